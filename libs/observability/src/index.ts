export * from './observability.module';
export * from './metrics/delivery-metrics';
export * from './metrics/shared-metrics.keys';
export * from './metrics/shared-metrics.reader';
export * from './metrics/raw-redis';
export * from './logging/log-scrubber';
export * from './logging/log-destination';
export * from './logging/job-log-context';
export { REQUEST_ID_HEADER, requestLogging } from './logging/request-logging';
