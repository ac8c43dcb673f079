import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { JobQueue, JobName, QueueName } from '@app/queues';

/** Periodic maintenance jobs: scheduler id = job name, cron pattern in UTC. */
export const MAINTENANCE_SCHEDULES: Array<{ name: Extract<JobName, 'purge-unconfirmed'>; pattern: string }> = [
  // Hourly, off the top of the hour when schedules cluster.
  { name: 'purge-unconfirmed', pattern: '17 * * * *' },
];

/**
 * Installs the maintenance job schedulers when a worker starts. upsertJobScheduler
 * is idempotent, so any number of workers booting together leave one scheduler each.
 */
@Injectable()
export class MaintenanceScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceScheduler.name);

  constructor(private readonly jobs: JobQueue) {}

  async onApplicationBootstrap(): Promise<void> {
    const queue = this.jobs.queue(QueueName.maintenance);
    for (const { name, pattern } of MAINTENANCE_SCHEDULES) {
      try {
        await queue.upsertJobScheduler(
          name,
          { pattern, tz: 'UTC' },
          { name, data: {}, opts: { attempts: 3, removeOnComplete: 100, removeOnFail: 100 } },
        );
      } catch (err) {
        // Never keep a worker from starting over upkeep: the next boot installs it.
        this.logger.warn(`could not install the ${name} schedule: ${(err as Error).message}`);
      }
    }
  }
}
