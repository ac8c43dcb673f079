import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { PeriodicTask } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { ScheduleService } from '../schedule/schedule.service';
import { ReconcilerService } from './reconciler.service';

/**
 * Worker-only (provide it in the worker app, not in DigestsModule): at boot, install the
 * job schedulers and reconcile; then every RECONCILE_INTERVAL_SECONDS re-check that the
 * schedulers are still in Redis. The scheduled reconcile job cannot recreate its own
 * scheduler after Redis lost its keys; this in-process timer can.
 */
@Injectable()
export class DigestHousekeeping implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DigestHousekeeping.name);
  private readonly watchdog = new PeriodicTask(
    () => this.schedules.ensureAll(),
    (err) => this.logger.warn(`digest watchdog housekeeping failed, will retry: ${err.message}`),
  );

  constructor(
    private readonly schedules: ScheduleService,
    private readonly reconciler: ReconcilerService,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'reconcileIntervalSeconds'>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.schedules.ensureAll();
      await this.reconciler.reconcile();
    } catch (err) {
      // Housekeeping never takes the worker down: Redis or Postgres may be briefly away.
      this.logger.warn(`digest boot housekeeping failed, will retry: ${(err as Error).message}`);
    }
    this.watchdog.start(this.config.reconcileIntervalSeconds * 1000);
  }

  /** Before queues, Redis and the database close. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.watchdog.stop();
  }
}
