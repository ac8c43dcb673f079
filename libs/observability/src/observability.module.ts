import { Global, Module } from '@nestjs/common';
import { DeliveryMetrics } from './metrics/delivery-metrics';

/** Metrics, logging and lifecycle helpers shared by the API, the worker and the CLI. */
@Global()
@Module({
  providers: [DeliveryMetrics],
  exports: [DeliveryMetrics],
})
export class ObservabilityModule {}
