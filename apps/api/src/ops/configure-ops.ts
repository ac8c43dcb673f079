import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';
import { requestLogging, ROOT_LOGGER } from '@app/observability';
import { httpTiming } from './http-timing';
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
  const logRequest = requestLogging(app.get<Pino>(ROOT_LOGGER));
  const trackInFlight = app.get(HttpDrain).track;
  const timeRequest = httpTiming(app.get(PrometheusMetrics).httpDuration);
  // One middleware for all three: each layer of express's router costs every request.
  app.use((req: Request, res: Response, next: NextFunction) => {
    trackInFlight(res);
    timeRequest(req, res);
    logRequest(req, res, next);
  });
  setupOpenApi(app);
}
