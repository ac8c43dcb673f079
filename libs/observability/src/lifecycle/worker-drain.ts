import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { discoverWorkers } from '../metrics/job-metrics.recorder';

/**
 * Closes this process's BullMQ workers before anything else shuts down. Worker.close()
 * stops taking jobs and waits for the running ones, and it runs here, before the
 * onApplicationShutdown hooks that close the queues, Redis and the database those
 * jobs still use. (Close your own resources in onApplicationShutdown, not onModuleDestroy.)
 */
@Injectable()
export class WorkerDrain implements BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerDrain.name);

  constructor(private readonly discovery: DiscoveryService) {}

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    const workers = discoverWorkers(this.discovery);
    if (workers.length === 0) return;
    this.logger.log(`${signal ?? 'shutdown'}: closing ${workers.length} workers, letting running jobs finish`);
    await Promise.all(workers.map((w) => w.close()));
    this.logger.log('workers closed');
  }
}
