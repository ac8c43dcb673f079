import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { JobSchedulerJson, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { JobQueue, QueueName } from '@app/queues';
import { RECONCILE_SCHEDULER_ID } from '../digest.constants';
import { newsletterIdOfScheduler, schedulerIdFor } from './slot';

interface ScheduledNewsletter {
  id: string;
  slug: string;
  schedule: string;
  timezone: string;
}

export interface ScheduleSyncResult {
  /** Newsletter slugs whose scheduler was created or changed. */
  upserted: string[];
  /** Scheduler ids removed (newsletter gone, deactivated or unscheduled). */
  removed: string[];
  /** Newsletter slugs whose schedule could not be installed (bad cron or timezone). */
  invalid: string[];
}

/**
 * Keeps one BullMQ job scheduler per scheduled newsletter, in step with the database
 * (Postgres is the truth, Redis only carries the timers). A scheduler is written only
 * when it is missing or differs: re-upserting an unchanged cron scheduler right at its
 * slot could drop that slot's job.
 */
@Injectable()
export class ScheduleService {
  private readonly logger = new Logger(ScheduleService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly jobQueue: JobQueue,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'reconcileIntervalSeconds'>,
  ) {}

  private get digestQueue(): Queue {
    return this.jobQueue.queue(QueueName.digest);
  }

  async syncNewsletterSchedules(): Promise<ScheduleSyncResult> {
    const wanted = (await this.db.query(
      `SELECT id, slug, schedule, timezone FROM newsletters
        WHERE active AND schedule IS NOT NULL AND btrim(schedule) <> ''`,
    )) as ScheduledNewsletter[];
    const existing = new Map<string, JobSchedulerJson>();
    for (const s of await this.digestQueue.getJobSchedulers(0, -1)) {
      if (newsletterIdOfScheduler(s.key)) existing.set(s.key, s);
    }
    const result: ScheduleSyncResult = { upserted: [], removed: [], invalid: [] };
    const keep = new Set<string>();
    for (const newsletter of wanted) {
      const id = schedulerIdFor(newsletter.id);
      keep.add(id);
      const current = existing.get(id);
      if (current && current.pattern === newsletter.schedule && (current.tz ?? 'UTC') === newsletter.timezone) continue;
      try {
        await this.digestQueue.upsertJobScheduler(
          id,
          { pattern: newsletter.schedule, tz: newsletter.timezone },
          { name: 'scheduled-issue', data: { newsletterId: newsletter.id } },
        );
        result.upserted.push(newsletter.slug);
      } catch (err) {
        result.invalid.push(newsletter.slug);
        this.logger.error(`schedule of newsletter ${newsletter.slug} not installed: ${(err as Error).message}`);
      }
    }
    for (const id of existing.keys()) {
      if (keep.has(id)) continue;
      await this.digestQueue.removeJobScheduler(id);
      result.removed.push(id);
    }
    if (result.upserted.length || result.removed.length) {
      this.logger.log(`schedules synced: ${result.upserted.length} installed, ${result.removed.length} removed`);
    }
    return result;
  }

  /** The reconciler's own timer on the maintenance queue; returns whether it had to be (re)created. */
  async ensureReconcileSchedule(): Promise<boolean> {
    const queue = this.jobQueue.queue(QueueName.maintenance);
    const every = this.config.reconcileIntervalSeconds * 1000;
    const current = await queue.getJobScheduler(RECONCILE_SCHEDULER_ID);
    if (current && Number(current.every) === every) return false;
    await queue.upsertJobScheduler(
      RECONCILE_SCHEDULER_ID,
      { every },
      { name: 'reconcile-deliveries', data: {}, opts: { attempts: 1, removeOnComplete: 100, removeOnFail: 100 } },
    );
    return true;
  }

  /** Everything Redis should hold for the schedules; cheap when nothing changed. */
  async ensureAll(): Promise<ScheduleSyncResult> {
    await this.ensureReconcileSchedule();
    return this.syncNewsletterSchedules();
  }
}
