import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { BuildOutcome, DigestBuilder, IssueService, ScheduleService, slotOf } from '@app/digests';
import { JobData, QueueName } from '@app/queues';

type DigestJobName = 'sync-schedules' | 'scheduled-issue' | 'build-issue';

/**
 * The `digest` queue: schedules, scheduled slots and issue builds, one service call per
 * job name. A build that keeps failing marks its issue failed on its last attempt.
 */
@Processor(QueueName.digest, { concurrency: 2 })
export class DigestProcessor extends WorkerHost {
  private readonly logger = new Logger(DigestProcessor.name);

  constructor(
    private readonly schedules: ScheduleService,
    private readonly issues: IssueService,
    private readonly builder: DigestBuilder,
  ) {
    super();
  }

  async process(job: Job): Promise<unknown> {
    switch (job.name as DigestJobName) {
      case 'sync-schedules':
        return this.schedules.ensureAll();
      case 'scheduled-issue': {
        const { newsletterId } = job.data as JobData<'scheduled-issue'>;
        return this.issues.createForSlot(newsletterId, slotOf(job));
      }
      case 'build-issue':
        return this.build(job as Job<JobData<'build-issue'>>);
      default:
        throw new UnrecoverableError(`unknown digest job "${job.name}"`);
    }
  }

  private async build(job: Job<JobData<'build-issue'>>): Promise<BuildOutcome> {
    try {
      return await this.builder.build(job.data.issueId);
    } catch (err) {
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (lastAttempt) {
        this.logger.error(`issue ${job.data.issueId} could not be built: ${(err as Error).message}`);
        await this.issues.markFailed(job.data.issueId, `build failed: ${(err as Error).message}`);
      }
      throw err;
    }
  }
}
