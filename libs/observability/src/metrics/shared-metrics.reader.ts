import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { JobQueue, QueueName } from '@app/queues';
import { rawRedis } from './raw-redis';
import { EmailOutcome, FIELD_SEPARATOR, SEND_DURATION_BUCKETS, sharedMetricKeys } from './shared-metrics.keys';

export interface SharedMetricsSnapshot {
  emails: Array<{ outcome: EmailOutcome; newsletter: string; value: number }>;
  jobs: Array<{ outcome: 'completed' | 'failed'; queue: string; value: number }>;
  sendDuration: {
    /** Cumulative counts per upper bound, '+Inf' last (Prometheus histogram semantics). */
    buckets: Array<{ le: string; count: number }>;
    sum: number;
    count: number;
  };
}

/** Reads the counters every process writes to Redis, in one pipelined round trip. */
@Injectable()
export class SharedMetricsReader {
  private readonly keys: ReturnType<typeof sharedMetricKeys>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly jobQueue: JobQueue,
  ) {
    this.keys = sharedMetricKeys(config.queuePrefix);
  }

  async read(): Promise<SharedMetricsSnapshot> {
    const redis = await rawRedis(this.jobQueue.queue(QueueName.delivery));
    const results = await redis
      .pipeline()
      .hgetall(this.keys.emails)
      .hgetall(this.keys.jobs)
      .hgetall(this.keys.sendDuration)
      .exec();
    const [emails, jobs, duration] = (results ?? []).map(([err, value]) => {
      if (err) throw err;
      return value as Record<string, string>;
    });
    return {
      emails: splitFields(emails).map(([outcome, newsletter, value]) => ({
        outcome: outcome as EmailOutcome,
        newsletter,
        value,
      })),
      jobs: splitFields(jobs).map(([outcome, queue, value]) => ({
        outcome: outcome as 'completed' | 'failed',
        queue,
        value,
      })),
      sendDuration: cumulativeHistogram(duration),
    };
  }
}

function splitFields(hash: Record<string, string>): Array<[string, string, number]> {
  return Object.entries(hash).flatMap(([field, raw]) => {
    const at = field.indexOf(FIELD_SEPARATOR);
    if (at < 0) return [];
    return [[field.slice(0, at), field.slice(at + 1), Number(raw) || 0] as [string, string, number]];
  });
}

function cumulativeHistogram(hash: Record<string, string>): SharedMetricsSnapshot['sendDuration'] {
  let running = 0;
  const buckets = [...SEND_DURATION_BUCKETS.map(String), '+Inf'].map((le) => {
    running += Number(hash[`bucket${FIELD_SEPARATOR}${le}`] ?? 0);
    return { le, count: running };
  });
  return { buckets, sum: Number(hash.sum ?? 0), count: Number(hash.count ?? 0) };
}
