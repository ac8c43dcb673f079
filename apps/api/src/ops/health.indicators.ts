import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { JobQueue, QueueName } from '@app/queues';
import { rawRedis } from '@app/observability';

/** Readiness answers within a probe's timeout even when a dependency hangs. */
const CHECK_TIMEOUT_MS = 1500;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS} ms`)),
      CHECK_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

@Injectable()
export class QueueHealthIndicators {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly jobQueue: JobQueue,
  ) {}

  /**
   * PING through the producer connection the API enqueues with. It has no offline
   * queue, so while Redis is away this fails at once instead of waiting.
   */
  async redis(key = 'redis'): Promise<HealthIndicatorResult> {
    const check = this.indicators.check(key);
    try {
      const redis = await withTimeout(rawRedis(this.jobQueue.queue(QueueName.transactional)), 'redis');
      await withTimeout(redis.ping(), 'redis');
      return check.up();
    } catch (err) {
      return check.down({ message: (err as Error).message });
    }
  }

  /**
   * Worker connections per queue. Reported, never failing readiness: an API replica
   * without workers still accepts sign-ups (the jobs wait in Redis), and taking the
   * API out of the load balancer would not bring a worker back. Alert on
   * dispatch_queue_workers == 0 instead.
   */
  async workers(key = 'workers'): Promise<HealthIndicatorResult> {
    const check = this.indicators.check(key);
    try {
      const entries = await withTimeout(
        Promise.all(this.jobQueue.all().map(async (q) => [q.name, await q.getWorkersCount()] as const)),
        'worker list',
      );
      const perQueue = Object.fromEntries(entries);
      const idle = entries.filter(([, n]) => n === 0).map(([name]) => name);
      return check.up({
        perQueue,
        ...(idle.length ? { warning: `no worker connected for: ${idle.join(', ')}` } : {}),
      });
    } catch (err) {
      return check.up({ unknown: true, message: (err as Error).message });
    }
  }
}
