import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
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
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly schedules: ScheduleService,
    private readonly reconciler: ReconcilerService,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'reconcileIntervalSeconds'>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.guard('boot', async () => {
      await this.schedules.ensureAll();
      await this.reconciler.reconcile();
    });
    this.timer = setInterval(() => void this.tick(), this.config.reconcileIntervalSeconds * 1000);
    this.timer.unref();
  }

  /** Before queues, Redis and the database close. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = this.guard('watchdog', () => this.schedules.ensureAll().then(() => undefined));
    await this.running;
    this.running = undefined;
  }

  /** Housekeeping never takes the worker down: Redis or Postgres may be briefly away. */
  private async guard(what: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.logger.warn(`digest ${what} housekeeping failed, will retry: ${(err as Error).message}`);
    }
  }
}
