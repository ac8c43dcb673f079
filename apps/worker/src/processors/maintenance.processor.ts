import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { ReconcilerService } from '@app/digests';
import { JobName, QueueName } from '@app/queues';
import { UnconfirmedPurgeService } from '@app/subscriptions';

type MaintenanceJobName = Extract<JobName, 'purge-unconfirmed' | 'reconcile-deliveries'>;

/** The `maintenance` queue: periodic upkeep, one service call per job name. */
@Processor(QueueName.maintenance)
export class MaintenanceProcessor extends WorkerHost {
  constructor(
    private readonly purge: UnconfirmedPurgeService,
    private readonly reconciler: ReconcilerService,
  ) {
    super();
  }

  async process(job: Job): Promise<unknown> {
    switch (job.name as MaintenanceJobName) {
      case 'purge-unconfirmed':
        return this.purge.purgeExpired();
      case 'reconcile-deliveries':
        return this.reconciler.reconcile();
      default:
        throw new UnrecoverableError(`unknown maintenance job "${job.name}"`);
    }
  }
}
