import type { Request, Response } from 'express';
import type { ReaderRequestMeta } from '@app/subscriptions';

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];

/** What the request's body is: an HTML form's (ours, or a publisher's own), JSON, or anything else or none. */
export type BodyKind = 'form' | 'json' | 'other';

/** A body sent by an HTML form (ours, or a publisher's own). */
export function isFormPost(req: Request): boolean {
  return Boolean(req.is(FORM_TYPES));
}

/** The body's kind, from Content-Type (which req.is() parses on every call). */
export function bodyKindOf(req: Request): BodyKind {
  if (isFormPost(req)) return 'form';
  return req.is('application/json') ? 'json' : 'other';
}

/** Form posts and browsers get pages; API clients (JSON, or Accept preferring JSON) get JSON. */
export function wantsHtml(req: Request, kind: BodyKind = bodyKindOf(req)): boolean {
  if (kind !== 'other') return kind === 'form';
  return req.accepts(['json', 'html']) === 'html';
}

/** The parsed body as a plain record (parsers leave it undefined or a string for other types). */
export function bodyOf(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/** Client details for the consent ledger. req.ip honours TRUST_PROXY (express 'trust proxy'). */
export function requestMeta(req: Request): ReaderRequestMeta {
  const ua = req.headers['user-agent'];
  return { ip: req.ip ?? null, userAgent: typeof ua === 'string' && ua !== '' ? ua : null };
}

export function sendPage(res: Response, status: number, html: string): void {
  // Pages carry tokens and personal choices: never cached by browsers or proxies.
  res.status(status).setHeader('Cache-Control', 'no-store');
  res.type('html').send(html);
}

export function firstString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}
