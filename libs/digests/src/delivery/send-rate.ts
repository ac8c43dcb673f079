import { DEFAULT_BATCH_SIZE } from '../digest.constants';

/**
 * Readers per batch. With a rate limit a batch is about one second of sending, so the
 * BullMQ limiter (one batch per batch/rate seconds, across every worker) and the
 * pacing inside a batch together hold the whole fleet near SEND_RATE_PER_SECOND.
 */
export function batchSizeFor(sendRatePerSecond: number): number {
  if (sendRatePerSecond <= 0) return DEFAULT_BATCH_SIZE;
  return Math.max(1, Math.min(DEFAULT_BATCH_SIZE, Math.floor(sendRatePerSecond)));
}

/** The delivery worker's BullMQ limiter, or undefined for no limit. */
export function deliveryLimiter(sendRatePerSecond: number): { max: number; duration: number } | undefined {
  if (sendRatePerSecond <= 0) return undefined;
  return { max: 1, duration: Math.ceil((batchSizeFor(sendRatePerSecond) * 1000) / sendRatePerSecond) };
}

/** Milliseconds between two message starts in one worker (0: no pacing). */
export function sendInterval(sendRatePerSecond: number): number {
  return sendRatePerSecond > 0 ? 1000 / sendRatePerSecond : 0;
}

/** Batches one worker runs at once: each holds a database connection for its batch lock. */
export function parallelBatches(sendConcurrency: number): number {
  return Math.max(1, Math.min(4, sendConcurrency));
}
