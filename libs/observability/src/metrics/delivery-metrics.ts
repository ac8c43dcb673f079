import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { JobQueue, QueueName } from '@app/queues';
import { rawRedis } from './raw-redis';
import { bucketOf, EMAIL_OUTCOMES, FIELD_SEPARATOR, sharedMetricKeys } from './shared-metrics.keys';

/**
 * Delivery counters recorded by whichever process sends (worker or CLI) and
 * exposed by the API's /metrics. Stored in Redis, one pipelined round trip per
 * batch, so the figures are shared by every process and survive restarts.
 */
@Injectable()
export class DeliveryMetrics {
  private readonly logger = new Logger(DeliveryMetrics.name);
  private readonly keys: ReturnType<typeof sharedMetricKeys>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly jobQueue: JobQueue,
  ) {
    this.keys = sharedMetricKeys(config.queuePrefix);
  }

  /** Called once per delivery batch by the send path. */
  async recordBatch(
    newsletterSlug: string,
    counts: { sent: number; failed: number; skipped: number },
    sendDurationsSeconds: number[],
  ): Promise<void> {
    try {
      const redis = await rawRedis(this.jobQueue.queue(QueueName.delivery));
      const pipeline = redis.pipeline();
      for (const outcome of EMAIL_OUTCOMES) {
        const n = Math.max(0, Math.floor(counts[outcome] ?? 0));
        if (n > 0) pipeline.hincrby(this.keys.emails, `${outcome}${FIELD_SEPARATOR}${newsletterSlug}`, n);
      }
      const durations = sendDurationsSeconds.filter((d) => Number.isFinite(d) && d >= 0);
      if (durations.length > 0) {
        const perBucket = new Map<string, number>();
        for (const d of durations) perBucket.set(bucketOf(d), (perBucket.get(bucketOf(d)) ?? 0) + 1);
        for (const [le, n] of perBucket) pipeline.hincrby(this.keys.sendDuration, `bucket${FIELD_SEPARATOR}${le}`, n);
        pipeline.hincrby(this.keys.sendDuration, 'count', durations.length);
        pipeline.hincrbyfloat(
          this.keys.sendDuration,
          'sum',
          durations.reduce((a, b) => a + b, 0),
        );
      }
      if (pipeline.length === 0) return;
      const results = (await pipeline.exec()) ?? [];
      const failure = results.find(([err]) => err !== null);
      if (failure) throw failure[0];
    } catch (err) {
      // Metrics are best effort: a Redis hiccup must never fail a batch whose mail already left.
      this.logger.warn(`could not record delivery metrics for ${newsletterSlug}: ${(err as Error).message}`);
    }
  }
}
