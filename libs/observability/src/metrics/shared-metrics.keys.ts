/**
 * Where the cross-process counters live in Redis. Workers (and CLI sends) write
 * them; every API replica reads them when Prometheus scrapes /metrics. Keys sit
 * under QUEUE_PREFIX so deployments sharing a Redis stay apart, and a hash-tagged
 * prefix (`{dispatch}`) keeps them in one Cluster slot for pipelining.
 */
export function sharedMetricKeys(prefix: string) {
  return {
    /** fields `sent|<newsletter>`, `failed|<newsletter>`, `skipped|<newsletter>` */
    emails: `${prefix}:metrics:emails`,
    /** fields `bucket|<le>` (non-cumulative counts), `sum`, `count` */
    sendDuration: `${prefix}:metrics:send-duration`,
    /** fields `completed|<queue>`, `failed|<queue>` */
    jobs: `${prefix}:metrics:jobs`,
  };
}

export const FIELD_SEPARATOR = '|';

export type EmailOutcome = 'sent' | 'failed' | 'skipped';
export const EMAIL_OUTCOMES: EmailOutcome[] = ['sent', 'failed', 'skipped'];

/** Upper bounds (seconds) of the send-latency histogram: one SMTP/outbox hand-off. */
export const SEND_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The bucket a duration falls into: the smallest upper bound >= value, or +Inf. */
export function bucketOf(seconds: number): string {
  const le = SEND_DURATION_BUCKETS.find((b) => seconds <= b);
  return le === undefined ? '+Inf' : String(le);
}
