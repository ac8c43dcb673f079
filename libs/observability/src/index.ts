export * from './observability.module';
export * from './metrics/delivery-metrics';
export * from './metrics/shared-metrics.keys';
