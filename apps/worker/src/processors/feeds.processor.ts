import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { FeedScheduler, FeedsService, PollResult } from '@app/articles';
import { JobData, QueueName } from '@app/queues';

type FeedJobName = 'poll-feed';

/**
 * The `feeds` queue: one poll-feed job per feed and interval. Several feeds are
 * polled at once, so a slow feed never holds up the others.
 */
@Processor(QueueName.feeds, { concurrency: 4 })
export class FeedsProcessor extends WorkerHost {
  private readonly logger = new Logger(FeedsProcessor.name);

  constructor(
    private readonly feeds: FeedsService,
    private readonly scheduler: FeedScheduler,
  ) {
    super();
  }

  async process(job: Job): Promise<PollResult> {
    switch (job.name as FeedJobName) {
      case 'poll-feed':
        return this.poll(job.data as JobData<'poll-feed'>);
      default:
        throw new UnrecoverableError(`unknown feeds job "${job.name}"`);
    }
  }

  private async poll({ feedId }: JobData<'poll-feed'>): Promise<PollResult> {
    const result = await this.feeds.poll(feedId);
    if (result.status === 'unknown-feed') {
      // The feed was deleted: its scheduler goes too.
      this.logger.warn(`feed ${feedId} no longer exists; removing its scheduler`);
      await this.scheduler.unschedule(feedId);
    }
    // Recorded on the feed already; failing the job shows it on the board and retries it.
    if (result.status === 'failed') throw new Error(result.error);
    return result;
  }
}
