import type { INestApplication } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';
import { requestLogging, ROOT_LOGGER } from '@app/observability';
import { httpMetricsMiddleware } from './http-metrics.middleware';
import { HttpDrain } from './http-drain';
import { setupOpenApi } from './openapi';
import { PrometheusMetrics } from './prometheus-metrics';

/**
 * Process-level wiring for operations, called by configureApp before anything
 * else is mounted: JSON logs for Nest's Logger, request timing, in-flight request
 * tracking for the graceful drain, the access log, and the OpenAPI document at /docs.
 */
export function configureOps(app: INestApplication): void {
  app.useLogger(app.get(Logger));
  app.flushLogs();
  app.use(requestLogging(app.get<Pino>(ROOT_LOGGER)));
  app.use(app.get(HttpDrain).track);
  app.use(httpMetricsMiddleware(app.get(PrometheusMetrics).httpDuration));
  setupOpenApi(app);
}
