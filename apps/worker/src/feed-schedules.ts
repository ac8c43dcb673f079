import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { FeedScheduler } from '@app/articles';
import { APP_CONFIG, AppConfig } from '@app/config';

/**
 * Keeps one job scheduler per feed: installed at worker boot, then re-checked
 * every RECONCILE_INTERVAL_SECONDS so that schedulers lost with Redis come back
 * and those of deleted feeds go. Never keeps the worker from starting.
 */
@Injectable()
export class FeedSchedules implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(FeedSchedules.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly scheduler: FeedScheduler,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'reconcileIntervalSeconds'>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.sync();
    this.timer = setInterval(() => void this.sync(), this.config.reconcileIntervalSeconds * 1000);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async sync(): Promise<void> {
    if (this.running) return;
    this.running = this.scheduler
      .syncAll()
      .then(() => undefined)
      .catch((err: Error) => this.logger.warn(`feed schedulers not synced, will retry: ${err.message}`));
    await this.running;
    this.running = undefined;
  }
}
