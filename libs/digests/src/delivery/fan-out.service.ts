import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { JobQueue, jobId } from '@app/queues';
import { ENQUEUE_CHUNK } from '../digest.constants';
import { DeliveryRepository } from './delivery.repository';
import { batchSizeFor } from './send-rate';

export function sendBatchJobId(issueId: string, batch: number): string {
  return jobId('send', issueId, batch);
}

/**
 * Turns an issue into deliveries (rows, created in Postgres by one statement) and
 * send-batch jobs (one per batch, deterministic ids, so enqueueing twice adds nothing).
 */
@Injectable()
export class FanOutService {
  private readonly logger = new Logger(FanOutService.name);

  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly jobQueue: JobQueue,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'sendRatePerSecond'>,
  ) {}

  /** Inside the build transaction: the deliveries exist exactly when the issue turns `sending`. */
  createDeliveries(tx: EntityManager, issueId: string, newsletterId: string): Promise<number> {
    return this.deliveries.createDeliveries(tx, issueId, newsletterId, batchSizeFor(this.config.sendRatePerSecond));
  }

  /** Enqueues a send-batch job for every batch that still has queued deliveries. */
  async enqueueBatches(issueId: string): Promise<number> {
    await this.deliveries.refreshStatistics();
    const batches = await this.deliveries.queuedBatches(issueId);
    for (let i = 0; i < batches.length; i += ENQUEUE_CHUNK) {
      await this.jobQueue.addBulk(
        'send-batch',
        batches.slice(i, i + ENQUEUE_CHUNK).map((batch) => ({
          data: { issueId, batch },
          opts: { jobId: sendBatchJobId(issueId, batch) },
        })),
      );
    }
    this.logger.log(`issue ${issueId}: ${batches.length} send batches enqueued`);
    return batches.length;
  }
}
