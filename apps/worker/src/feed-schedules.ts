import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { FeedScheduler } from '@app/articles';
import { PeriodicTask } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';

/**
 * Keeps one job scheduler per feed: installed at worker boot, then re-checked
 * every RECONCILE_INTERVAL_SECONDS so that schedulers lost with Redis come back
 * and those of deleted feeds go. Never keeps the worker from starting.
 */
@Injectable()
export class FeedSchedules implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(FeedSchedules.name);
  private readonly sync = new PeriodicTask(
    () => this.scheduler.syncAll(),
    (err) => this.logger.warn(`feed schedulers not synced, will retry: ${err.message}`),
  );

  constructor(
    private readonly scheduler: FeedScheduler,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'reconcileIntervalSeconds'>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.sync.runNow();
    this.sync.start(this.config.reconcileIntervalSeconds * 1000);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.sync.stop();
  }
}
