import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, Job, UnrecoverableError } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@app/config';
import {
  BatchResult,
  BUSY_BATCH_RETRY_MS,
  DELIVERY_LOCK_DURATION_MS,
  DELIVERY_STALLED_INTERVAL_MS,
  DeliveryService,
  deliveryLimiter,
  parallelBatches,
} from '@app/digests';
import { JobData, QueueName } from '@app/queues';

/**
 * The `delivery` queue: one send-batch job per batch of an issue's readers. Started at
 * bootstrap rather than at construction, so the limiter (SEND_RATE_PER_SECOND) and the
 * concurrency (SEND_CONCURRENCY) come from the validated configuration.
 */
@Processor(QueueName.delivery, {
  autorun: false,
  lockDuration: DELIVERY_LOCK_DURATION_MS,
  stalledInterval: DELIVERY_STALLED_INTERVAL_MS,
})
export class DeliveryProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly deliveries: DeliveryService,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'sendConcurrency' | 'sendRatePerSecond'>,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = parallelBatches(this.config.sendConcurrency);
    this.worker.opts.limiter = deliveryLimiter(this.config.sendRatePerSecond);
    // run() resolves only when the worker closes; errors surface through its 'error' event.
    this.worker.run().catch((err: unknown) => this.worker.emit('error', err as Error));
  }

  async process(job: Job, token?: string): Promise<BatchResult> {
    if (job.name !== 'send-batch') throw new UnrecoverableError(`unknown delivery job "${job.name}"`);
    const { issueId, batch } = job.data as JobData<'send-batch'>;
    const result = await this.deliveries.sendBatch(issueId, batch);
    if (result.status === 'busy') {
      // Another process holds this batch (a duplicate job after a Redis flush): look again later.
      await job.moveToDelayed(Date.now() + BUSY_BATCH_RETRY_MS, token);
      throw new DelayedError();
    }
    return result;
  }
}
