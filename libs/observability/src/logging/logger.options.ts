import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DestinationStream } from 'pino';
import { stdTimeFunctions } from 'pino';
import type { Options } from 'pino-http';
import type { AppConfig } from '@app/config';
import { scrubLogText, scrubUrl } from './log-scrubber';

export const REQUEST_ID_HEADER = 'x-request-id';
// An upstream id is kept only if it is short and plain, so it cannot forge log content.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Probes hit these every few seconds; logging each would drown real traffic. */
const QUIET_PATHS = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

/** The request id: the caller's X-Request-Id when sane, else a new UUID; echoed in the response. */
export function requestIdFor(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  const id = typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/**
 * Every serialised line passes through the scrubber before it is written, so no
 * email address or token reaches the logs whichever code path logged it.
 */
export function scrubbingDestination(destination: DestinationStream): DestinationStream {
  return { write: (line: string) => destination.write(scrubLogText(line)) };
}

/** pino-http (and pino) options shared by the API and the worker. */
export function loggerOptions(config: AppConfig, destination: DestinationStream): [Options, DestinationStream] {
  const options: Options = {
    level: config.logLevel,
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-dispatch-signature"]',
        'res.headers["set-cookie"]',
      ],
      censor: '[redacted]',
    },
    genReqId: requestIdFor,
    // Lines logged while handling a request carry only its id, not the whole request.
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'requestId' },
    serializers: {
      req: (req: { id?: unknown; method?: string; url?: string }) => ({
        id: req.id,
        method: req.method,
        url: scrubUrl(req.url),
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
    autoLogging: { ignore: (req) => QUIET_PATHS.has((req.url ?? '').split('?')[0]) },
    customLogLevel: (_req, res, err) =>
      err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
  };
  return [options, scrubbingDestination(destination)];
}
