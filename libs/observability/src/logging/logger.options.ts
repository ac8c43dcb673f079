import type { DestinationStream, LoggerOptions } from 'pino';
import { stdTimeFunctions } from 'pino';
import type { AppConfig } from '@app/config';
import { scrubLogText, scrubUrl } from './log-scrubber';
import { requestIdMixin } from './request-logging';

/**
 * Every serialised line passes through the scrubber before it is written, so no
 * email address or token reaches the logs whichever code path logged it.
 */
export function scrubbingDestination(destination: DestinationStream): DestinationStream {
  return { write: (line: string) => destination.write(scrubLogText(line)) };
}

/** pino options shared by the API, the worker and the CLI, with the scrubbing destination. */
export function loggerOptions(config: AppConfig, destination: DestinationStream): [LoggerOptions, DestinationStream] {
  const options: LoggerOptions = {
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
    // Lines logged while a request is handled carry its id (and only its id, not the whole request).
    mixin: requestIdMixin,
    serializers: {
      req: (req: { id?: unknown; method?: string; url?: string; originalUrl?: string }) => ({
        id: req.id,
        method: req.method,
        url: scrubUrl(req.originalUrl ?? req.url),
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
  };
  return [options, scrubbingDestination(destination)];
}
