import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { WorkerHost } from '@nestjs/bullmq';
import type { Job, Worker } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@app/config';
import { JobQueue, QueueName } from '@app/queues';
import { rawRedis } from './raw-redis';
import { FIELD_SEPARATOR, sharedMetricKeys } from './shared-metrics.keys';

/** The BullMQ workers this process runs (none in the API or the CLI). */
export function discoverWorkers(discovery: DiscoveryService): Worker[] {
  return discovery
    .getProviders()
    .map((wrapper) => wrapper.instance as unknown)
    .filter((instance): instance is WorkerHost => instance instanceof WorkerHost)
    .flatMap((host) => {
      try {
        return [host.worker];
      } catch {
        return []; // a WorkerHost whose worker was never created
      }
    });
}

/**
 * Counts finished jobs per queue in Redis from the worker's own events, so every
 * replica adds to one shared figure that the API exposes as
 * dispatch_jobs_completed_total / dispatch_jobs_failed_total. A failed attempt
 * that will be retried counts as a failure: retry storms are what operators need to see.
 */
@Injectable()
export class JobMetricsRecorder implements OnApplicationBootstrap {
  private readonly logger = new Logger(JobMetricsRecorder.name);
  private readonly key: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly discovery: DiscoveryService,
    private readonly jobQueue: JobQueue,
  ) {
    this.key = sharedMetricKeys(config.queuePrefix).jobs;
  }

  onApplicationBootstrap(): void {
    for (const worker of discoverWorkers(this.discovery)) {
      worker.on('completed', (job: Job) => void this.count('completed', job.queueName));
      worker.on('failed', (job: Job | undefined) => void this.count('failed', job?.queueName ?? worker.name));
    }
  }

  private async count(outcome: 'completed' | 'failed', queue: string): Promise<void> {
    try {
      const redis = await rawRedis(this.jobQueue.queue(QueueName.maintenance));
      await redis.hincrby(this.key, `${outcome}${FIELD_SEPARATOR}${queue}`, 1);
    } catch (err) {
      this.logger.warn(`could not count a ${outcome} ${queue} job: ${(err as Error).message}`);
    }
  }
}
