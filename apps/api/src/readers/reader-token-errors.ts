import type { Request, Response } from 'express';
import { InvalidTokenError, ReaderNotFoundError, UnknownNewsletterError } from '@app/subscriptions';
import { ReaderPages } from './reader-pages';
import { bodyOf, sendPage, wantsHtml } from './reader-http';
import { errorBody, validateBody } from './validate-body';

/*
 * What the controllers of links from emails (confirm, unsubscribe, preferences) share:
 * `what` names the link in messages ("confirmation", "unsubscribe", "preferences").
 */

/**
 * A bad, expired or forged link, or one naming a reader who is gone, is the
 * reader's problem to fix, never a 500: answers 400 (page or JSON). Returns
 * false for errors it does not know, which the caller rethrows.
 */
export function answerLinkError(err: unknown, res: Response, pages: ReaderPages, html: boolean, what: string): boolean {
  let message: string;
  if (err instanceof InvalidTokenError) {
    message = /expired/.test(err.message)
      ? `This ${what} link has expired. You can sign up again from the subscribe page.`
      : `This ${what} link is not valid. Please use the link exactly as it appears in the email.`;
  } else if (err instanceof ReaderNotFoundError) {
    message = `This ${what} link no longer matches a subscription. It may have expired: you can sign up again.`;
  } else if (err instanceof UnknownNewsletterError) {
    message = `${err.message.charAt(0).toUpperCase()}${err.message.slice(1)}.`;
  } else {
    return false;
  }
  if (html) sendPage(res, 400, pages.error('This link does not work', message));
  else
    res.status(400).json({
      statusCode: 400,
      message,
      errors: [{ field: err instanceof UnknownNewsletterError ? 'newsletters' : 'token', message }],
    });
  return true;
}

/** Runs a link's handler, answering the link errors answerLinkError knows; anything else is rethrown. */
export async function answeringLinkErrors(
  res: Response,
  pages: ReaderPages,
  html: boolean,
  what: string,
  handle: () => Promise<void>,
): Promise<void> {
  try {
    await handle();
  } catch (err) {
    if (!answerLinkError(err, res, pages, html, what)) throw err;
  }
}

/** GET of a link: the page of what the token opens (nothing changes: mail scanners fetch links), or its error page. */
export function linkPage<V>(
  res: Response,
  pages: ReaderPages,
  what: string,
  token: unknown,
  load: (token: string) => Promise<V>,
  render: (token: string, view: V) => string,
): Promise<void> {
  const value = String(token ?? '');
  return answeringLinkErrors(res, pages, true, what, async () => sendPage(res, 200, render(value, await load(value))));
}

/**
 * The body of a link's form post, validated. When it is incomplete, answers 400 (an
 * error page, or JSON naming the fields) and returns null.
 */
export async function linkFormBody<T extends object>(
  dto: new () => T,
  req: Request,
  res: Response,
  pages: ReaderPages,
  what: string,
): Promise<T | null> {
  const checked = await validateBody(dto, bodyOf(req));
  if (checked.errors === null) return checked.value;
  if (wantsHtml(req)) sendPage(res, 400, pages.error('This link does not work', `The ${what} link is incomplete.`));
  else res.status(400).json(errorBody(checked.errors));
  return null;
}
