import { BadRequestException, INestApplication, ValidationError, ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { join } from 'node:path';
import { PAGES_DIR } from './common/page-renderer';
import { configureOps } from './ops';
import { APP_CONFIG, AppConfig } from '@app/config';
import { securityHeaders } from './security/security-headers';

/** Flattens class-validator errors into `{ field, message }` pairs (nested fields dotted). */
export function validationErrors(errors: ValidationError[], parent = ''): Array<{ field: string; message: string }> {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...validationErrors(e.children ?? [], field)];
  });
}

export const validationPipe = new ValidationPipe({
  whitelist: true,
  transform: true,
  exceptionFactory: (errors) => {
    const list = validationErrors(errors);
    return new BadRequestException({
      statusCode: 400,
      message: list.map((e) => `${e.field}: ${e.message}`).join('; ') || 'invalid input',
      errors: list,
    });
  },
});

/** Everything main.ts and the test bootstrap share, so tests run the app as production does. */
export function configureApp(app: INestApplication): AppConfig {
  const config = app.get<AppConfig>(APP_CONFIG);
  const express = app as NestExpressApplication;
  // A hop count, never `true`: with `true` the left-most X-Forwarded-For entry (the client's own) would be believed.
  express.set('trust proxy', config.trustProxyHops);
  express.disable('x-powered-by');
  // Security headers first, so every answer carries them (pages, JSON, errors, static files, the board, /docs).
  express.use(securityHeaders(config));
  // Operations next (they write no answer, except /docs): JSON logs, request timing, drain tracking, /docs.
  configureOps(app);
  installBodyParsers(express);
  express.useStaticAssets(join(PAGES_DIR, 'assets'), { prefix: '/assets/', maxAge: '1h' });
  app.useGlobalPipes(validationPipe);
  // useProcessExit: exit 0 once drained and closed (instead of re-raising the signal), logs flushed.
  app.enableShutdownHooks([], { useProcessExit: true });
  return config;
}

/** Bodies are small everywhere except where operators send bulk data. */
const BODY_LIMITS: Array<{ prefix: string; limit: string }> = [{ prefix: '/admin/articles', limit: '25mb' }];
/** Signed webhooks: kept as raw bytes, so the signature is checked before anything parses them. */
const RAW_ROUTES: Array<{ prefix: string; limit: string }> = [{ prefix: '/webhooks', limit: '1mb' }];
/** Routes that read the request stream themselves (streamed imports). */
const STREAMED_ROUTES = ['/admin/subscribers/import'];
const DEFAULT_LIMIT = '100kb';

type RawBodyRequest = Request & { rawBody?: Buffer };

function installBodyParsers(app: NestExpressApplication): void {
  // Keep the raw bytes: webhook signatures are computed over them.
  const verify = (req: RawBodyRequest, _res: Response, buf: Buffer) => {
    req.rawBody = buf;
  };
  const parsersFor = (limit: string) => [
    express.json({ limit, verify, type: ['application/json', 'application/*+json'] }),
    express.urlencoded({ limit, extended: false, verify }),
    express.text({ limit, type: ['text/plain', 'text/csv'], verify }),
  ];
  const routed = [
    ...RAW_ROUTES.map((r) => ({
      prefix: r.prefix,
      parsers: [express.raw({ limit: r.limit, type: () => true, verify })],
    })),
    ...BODY_LIMITS.map((r) => ({ prefix: r.prefix, parsers: parsersFor(r.limit) })),
  ];
  const fallback = parsersFor(DEFAULT_LIMIT);
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (STREAMED_ROUTES.some((p) => req.path.startsWith(p))) return next();
    const parsers = routed.find((r) => req.path.startsWith(r.prefix))?.parsers ?? fallback;
    runChain(parsers, req, res, (err?: unknown) => (err ? answerBodyError(err, res) : next()));
  });
}

type Middleware = (req: Request, res: Response, next: NextFunction) => void;

function runChain(chain: Middleware[], req: Request, res: Response, done: NextFunction): void {
  const step = (i: number, err?: unknown): void => {
    if (err || i === chain.length) return done(err);
    chain[i](req, res, (e?: unknown) => step(i + 1, e));
  };
  step(0);
}

/** Malformed or oversized bodies are the client's fault: a 4xx naming the problem, never a 500. */
function answerBodyError(err: unknown, res: Response): void {
  const e = err as { status?: number; type?: string; message?: string };
  const status = e.status && e.status >= 400 && e.status < 500 ? e.status : 400;
  const message =
    e.type === 'entity.too.large'
      ? 'request body too large'
      : e.type === 'entity.parse.failed'
        ? 'malformed JSON body'
        : (e.message ?? 'unreadable request body');
  res.status(status).json({ statusCode: status, message, errors: [{ field: 'body', message }] });
}
