import type { Response } from 'express';
import { InvalidTokenError, ReaderNotFoundError, UnknownNewsletterError } from '@app/subscriptions';
import { ReaderPages } from './reader-pages';
import { sendPage } from './reader-http';

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
