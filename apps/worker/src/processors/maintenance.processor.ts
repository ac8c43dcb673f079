import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { ReconcilerService } from '@app/digests';
import { JobName, QueueName } from '@app/queues';
import { ConfirmationRequeueService, UnconfirmedPurgeService } from '@app/subscriptions';

type MaintenanceJobName = Extract<JobName, 'purge-unconfirmed' | 'reconcile-deliveries' | 'requeue-confirmations'>;

/** The `maintenance` queue: periodic upkeep, one service call per job name. */
@Processor(QueueName.maintenance)
export class MaintenanceProcessor extends WorkerHost {
  constructor(
    private readonly purge: UnconfirmedPurgeService,
    private readonly reconciler: ReconcilerService,
    private readonly confirmations: ConfirmationRequeueService,
  ) {
    super();
  }

  async process(job: Job): Promise<unknown> {
    switch (job.name as MaintenanceJobName) {
      case 'purge-unconfirmed':
        return this.purge.purgeExpired();
      case 'reconcile-deliveries':
        return this.reconciler.reconcile();
      case 'requeue-confirmations':
        return this.confirmations.requeueMissing();
      default:
        throw new UnrecoverableError(`unknown maintenance job "${job.name}"`);
    }
  }
}
