import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { JobQueue } from '@app/queues';
import { discoverWorkers } from '../metrics/job-metrics.recorder';

/** While Redis is away every connection errors on each retry: one line per source and interval is enough. */
const QUIET_MS = 30_000;

/**
 * BullMQ queues and workers emit 'error' when their Redis connection fails; with no
 * listener BullMQ prints them to stderr, outside the JSON logs. This sends them to
 * the logger, rate-limited, so an outage shows as a few warnings rather than a flood.
 */
@Injectable()
export class QueueErrorLog implements OnApplicationBootstrap {
  private readonly logger = new Logger('Queues');
  private readonly lastLogged = new Map<string, number>();

  constructor(
    private readonly jobQueue: JobQueue,
    private readonly discovery: DiscoveryService,
  ) {}

  onApplicationBootstrap(): void {
    for (const queue of this.jobQueue.all()) queue.on('error', (err: Error) => this.log(`queue ${queue.name}`, err));
    for (const worker of discoverWorkers(this.discovery)) {
      worker.on('error', (err: Error) => this.log(`worker ${worker.name}`, err));
    }
  }

  private log(source: string, err: Error): void {
    const now = Date.now();
    if (now - (this.lastLogged.get(source) ?? 0) < QUIET_MS) return;
    this.lastLogged.set(source, now);
    this.logger.warn(`${source}: ${err.message}`);
  }
}
