import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Feed } from '@app/database';
import { JobQueue, jobId, QueueName } from '@app/queues';

const SCHEDULER_PREFIX = 'poll-feed-';

/** Feed polls retry a little on their own; after that the next scheduled poll tries again. */
const POLL_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 30_000 },
  removeOnComplete: { count: 500 },
  removeOnFail: { count: 1000 },
};

/**
 * One BullMQ job scheduler per feed ("poll-feed-<feedId>", every
 * interval_minutes), so each feed is polled on its own job: a slow or broken
 * feed never holds up another. Kept in step with the feeds table.
 */
@Injectable()
export class FeedScheduler {
  private readonly logger = new Logger(FeedScheduler.name);

  constructor(
    private readonly jobs: JobQueue,
    @InjectRepository(Feed) private readonly feeds: Repository<Feed>,
  ) {}

  static schedulerId(feedId: string): string {
    return jobId('poll-feed', feedId);
  }

  /** Creates or updates the feed's scheduler; BullMQ runs the first poll right away. */
  async schedule(feed: Pick<Feed, 'id' | 'intervalMinutes'>): Promise<void> {
    await this.jobs
      .queue(QueueName.feeds)
      .upsertJobScheduler(
        FeedScheduler.schedulerId(feed.id),
        { every: Math.max(1, feed.intervalMinutes) * 60_000 },
        { name: 'poll-feed', data: { feedId: feed.id }, opts: POLL_JOB_OPTIONS },
      );
  }

  async unschedule(feedId: string): Promise<void> {
    await this.jobs.queue(QueueName.feeds).removeJobScheduler(FeedScheduler.schedulerId(feedId));
  }

  /**
   * Every feed has its scheduler (with its interval), and no scheduler outlives
   * its feed. Schedulers already in place are left alone, so a sync does not
   * trigger extra polls; one lost with Redis is recreated.
   */
  async syncAll(): Promise<{ feeds: number; scheduled: number; removed: number }> {
    const feeds = await this.feeds.find({ select: { id: true, intervalMinutes: true } });
    const queue = this.jobs.queue(QueueName.feeds);
    const existing = new Map(
      (await queue.getJobSchedulers(0, -1)).filter((s) => s.key.startsWith(SCHEDULER_PREFIX)).map((s) => [s.key, s]),
    );
    let scheduled = 0;
    for (const feed of feeds) {
      const current = existing.get(FeedScheduler.schedulerId(feed.id));
      if (current && Number(current.every) === Math.max(1, feed.intervalMinutes) * 60_000) continue;
      await this.schedule(feed);
      scheduled++;
    }
    const wanted = new Set(feeds.map((f) => FeedScheduler.schedulerId(f.id)));
    let removed = 0;
    for (const key of existing.keys()) {
      if (wanted.has(key)) continue;
      await queue.removeJobScheduler(key);
      removed++;
    }
    if (scheduled || removed) {
      this.logger.log(`feed schedulers: ${scheduled} installed, ${removed} stale removed (${feeds.length} feeds)`);
    }
    return { feeds: feeds.length, scheduled, removed };
  }
}
