import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { PeriodicTask } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { JobQueue, JobName, QueueName } from '@app/queues';

type ScheduledMaintenanceJob = Extract<JobName, 'purge-unconfirmed' | 'requeue-confirmations'>;

/** Periodic maintenance jobs: scheduler id = job name, cron pattern in UTC. */
export const MAINTENANCE_SCHEDULES: Array<{ name: ScheduledMaintenanceJob; pattern: string }> = [
  // Hourly, off the top of the hour when schedules cluster.
  { name: 'purge-unconfirmed', pattern: '17 * * * *' },
  // Often enough that a reader whose confirmation was lost to a Redis hiccup is not kept waiting long.
  { name: 'requeue-confirmations', pattern: '*/5 * * * *' },
];

/**
 * Installs the maintenance job schedulers when a worker starts, then re-checks every
 * RECONCILE_INTERVAL_SECONDS that they are still in Redis (a Redis restarted empty loses
 * them, and a scheduled job cannot bring back its own scheduler). upsertJobScheduler is
 * idempotent, so any number of workers leave one scheduler each.
 */
@Injectable()
export class MaintenanceScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MaintenanceScheduler.name);
  private readonly schedules = new PeriodicTask(
    async () => {
      for (const schedule of MAINTENANCE_SCHEDULES) await this.ensure(schedule);
    },
    (err) => this.logger.warn(`maintenance schedules not checked, will retry: ${err.message}`),
  );

  constructor(
    private readonly jobs: JobQueue,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'reconcileIntervalSeconds'>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.schedules.runNow();
    this.schedules.start(this.config.reconcileIntervalSeconds * 1000);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.schedules.stop();
  }

  private async ensure({ name, pattern }: { name: ScheduledMaintenanceJob; pattern: string }): Promise<void> {
    const queue = this.jobs.queue(QueueName.maintenance);
    try {
      const current = await queue.getJobScheduler(name);
      if (current?.pattern === pattern) return;
      await queue.upsertJobScheduler(
        name,
        { pattern, tz: 'UTC' },
        { name, data: {}, opts: { attempts: 3, removeOnComplete: 100, removeOnFail: 100 } },
      );
    } catch (err) {
      // Never keep a worker from starting over upkeep: the next check installs it.
      this.logger.warn(`could not install the ${name} schedule: ${(err as Error).message}`);
    }
  }
}
