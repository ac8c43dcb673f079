import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { APP_CONFIG, AppConfig } from '@app/config';
import { WorkerDrain } from './lifecycle/worker-drain';
import { JobLogContext } from './logging/job-log-context';
import { LOG_DESTINATION, LogDestinationModule } from './logging/log-destination';
import { QueueErrorLog } from './logging/queue-error-log';
import { loggerOptions } from './logging/logger.options';
import { DeliveryMetrics } from './metrics/delivery-metrics';
import { JobMetricsRecorder } from './metrics/job-metrics.recorder';
import { SharedMetricsReader } from './metrics/shared-metrics.reader';

/**
 * Metrics, structured logs and shutdown order, shared by the API, the worker and
 * the CLI. The worker-side parts (job counters, job log context, worker drain)
 * find nothing to do in processes without BullMQ processors.
 */
@Global()
@Module({
  imports: [
    DiscoveryModule,
    LoggerModule.forRootAsync({
      imports: [LogDestinationModule],
      inject: [APP_CONFIG, LOG_DESTINATION],
      useFactory: (config: AppConfig, destination: DestinationStream) => ({
        pinoHttp: loggerOptions(config, destination),
      }),
    }),
  ],
  providers: [DeliveryMetrics, SharedMetricsReader, JobMetricsRecorder, JobLogContext, WorkerDrain, QueueErrorLog],
  exports: [DeliveryMetrics, SharedMetricsReader, LoggerModule],
})
export class ObservabilityModule {}
