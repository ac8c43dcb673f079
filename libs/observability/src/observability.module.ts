import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import pino, { DestinationStream, Logger as Pino } from 'pino';
import { APP_CONFIG, AppConfig } from '@app/config';
import { WorkerDrain } from './lifecycle/worker-drain';
import { JobLogContext } from './logging/job-log-context';
import { LOG_DESTINATION, LogDestinationModule } from './logging/log-destination';
import { QueueErrorLog } from './logging/queue-error-log';
import { loggerOptions } from './logging/logger.options';
import { DeliveryMetrics } from './metrics/delivery-metrics';
import { JobMetricsRecorder } from './metrics/job-metrics.recorder';
import { SharedMetricsReader } from './metrics/shared-metrics.reader';

/** This process's root pino logger (JSON lines, scrubbed), behind Nest's Logger and the API's access log. */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

@Global()
@Module({
  imports: [LogDestinationModule],
  providers: [
    {
      provide: ROOT_LOGGER,
      inject: [APP_CONFIG, LOG_DESTINATION],
      useFactory: (config: AppConfig, destination: DestinationStream): Pino =>
        pino(...loggerOptions(config, destination)),
    },
  ],
  exports: [ROOT_LOGGER],
})
class RootLoggerModule {}

/**
 * Metrics, structured logs and shutdown order, shared by the API, the worker and
 * the CLI. The worker-side parts (job counters, job log context, worker drain)
 * find nothing to do in processes without BullMQ processors.
 */
@Global()
@Module({
  imports: [
    DiscoveryModule,
    RootLoggerModule,
    // nestjs-pino routes Nest's Logger to the root logger; the API's access log is
    // requestLogging (no pino-http middleware: useExisting, and no routes).
    LoggerModule.forRootAsync({
      imports: [RootLoggerModule],
      inject: [ROOT_LOGGER],
      useFactory: (root: Pino) => ({ pinoHttp: { logger: root }, useExisting: true, forRoutes: [] }),
    }),
  ],
  providers: [DeliveryMetrics, SharedMetricsReader, JobMetricsRecorder, JobLogContext, WorkerDrain, QueueErrorLog],
  exports: [DeliveryMetrics, SharedMetricsReader, LoggerModule],
})
export class ObservabilityModule {}
