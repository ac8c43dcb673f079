import { ArgumentsHost, BadRequestException, Logger, ServiceUnavailableException } from '@nestjs/common';
import type { Response } from 'express';

/** Socket-level and PostgreSQL "cannot serve now" codes (class 08 connection, 57P admin shutdown, 53300 too many connections). */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

const UNAVAILABLE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Connection is closed/i,
  /enableOfflineQueue/i,
  /Stream isn't writeable/i,
  /Reached the max retries per request limit/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /Client has encountered a connection error/i,
  /Cannot use a pool after calling end/i,
];

/** True for errors that mean PostgreSQL or Redis is unreachable (not a bug, not bad input). */
export function isServiceUnavailableError(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false;
  const e = err as { code?: unknown; message?: unknown; name?: unknown; driverError?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return true;
  if (e.name === 'MaxRetriesPerRequestError') return true;
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.some((re) => re.test(e.message as string))) return true;
  return isServiceUnavailableError(e.driverError, depth + 1) || isServiceUnavailableError(e.cause, depth + 1);
}

export const RETRY_AFTER_SECONDS = 5;

export function unavailableException(): ServiceUnavailableException {
  return new ServiceUnavailableException({
    statusCode: 503,
    message: 'service temporarily unavailable, please retry shortly',
    errors: [],
  });
}

/**
 * PostgreSQL "data exception" (SQLSTATE class 22): a value the database cannot take, such
 * as a NUL character or a malformed uuid that slipped past validation. The input is at
 * fault, not the server: answer 400, never 500. (Validation should catch these first;
 * this is the safety net.)
 */
export function isInvalidInputError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; driverError?: { code?: unknown } };
  const code = typeof e.code === 'string' ? e.code : e.driverError?.code;
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code);
}

const availability = new Logger('Availability');

/**
 * The answer an error from PostgreSQL or Redis deserves: an outage is a 503 (with
 * Retry-After, set here on the response), so clients and load balancers retry instead of
 * seeing a 500 that looks like a bug; a value the database refused is a 400. Any other
 * error is returned as it is.
 */
export function answerForDependencyError(err: unknown, host: ArgumentsHost): unknown {
  if (isInvalidInputError(err)) {
    availability.warn(`database refused a value: ${(err as Error).message}`);
    return new BadRequestException({
      statusCode: 400,
      message: 'invalid characters or value in the request',
      errors: [{ field: 'body', message: 'invalid characters or value in the request' }],
    });
  }
  if (!isServiceUnavailableError(err)) return err;
  availability.warn(`dependency unavailable: ${(err as Error).message}`);
  if (host.getType() === 'http') {
    const res = host.switchToHttp().getResponse<Response>();
    if (!res.headersSent) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
  }
  return unavailableException();
}
