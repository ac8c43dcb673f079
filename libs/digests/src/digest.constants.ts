/** Readers per send-batch job: small enough to retry cheaply, large enough to keep Redis traffic low. */
export const DEFAULT_BATCH_SIZE = 200;

/** A delivery that keeps failing temporarily is given up (marked failed) after this many attempts. */
export const MAX_DELIVERY_ATTEMPTS = 8;

/** Lead articles get related reads from the archive. */
export const LEAD_ARTICLES = 3;
export const RELATED_PER_LEAD = 3;

/** Newsletters recommended to each reader. */
export const RECOMMENDATIONS_PER_READER = 2;

/** At most this many recent matching articles are ranked when building an issue. */
export const CANDIDATE_LIMIT = 500;

/** send-batch jobs added to Redis per round trip. */
export const ENQUEUE_CHUNK = 500;

/**
 * Delivery worker lock: renewed every lockDuration/2 while a batch runs; after a
 * crash the batch is handed to another worker once the lock lapses and the stalled
 * check (every STALLED_INTERVAL) sees it, so a killed worker costs ~20 s, not a minute.
 */
export const DELIVERY_LOCK_DURATION_MS = 10_000;
export const DELIVERY_STALLED_INTERVAL_MS = 5_000;

/** A batch held by another process (its advisory lock is taken) is looked at again after this. */
export const BUSY_BATCH_RETRY_MS = 3_000;

/** Job scheduler ids. */
export const NEWSLETTER_SCHEDULER_PREFIX = 'newsletter-';
export const RECONCILE_SCHEDULER_ID = 'reconcile-deliveries';
