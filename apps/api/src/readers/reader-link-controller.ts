import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { SubscriptionService } from '@app/subscriptions';
import { ReaderForms } from './reader-forms';
import { bodyOf, sendPage, wantsHtml } from './reader-http';
import { ReaderPages } from './reader-pages';
import { answerLinkError } from './reader-token-errors';
import { errorBody, validateBody } from './validate-body';

/**
 * What the controllers of links from emails (confirm, unsubscribe, preferences) share:
 * the page a link opens, the answer to an incomplete form, and the answer to a bad,
 * expired or forged link. `link` names it in messages ("This confirmation link...").
 */
@Injectable()
export abstract class ReaderLinkController {
  protected abstract readonly link: string;

  constructor(
    protected readonly subscriptions: SubscriptionService,
    protected readonly pages: ReaderPages,
    protected readonly forms: ReaderForms,
  ) {}

  /** GET of a link: the page of what the token opens (nothing changes: mail scanners fetch links), or its error page. */
  protected linkPage<V>(
    res: Response,
    token: unknown,
    load: (token: string) => Promise<V>,
    render: (token: string, view: V) => string,
  ): Promise<void> {
    const value = String(token ?? '');
    return this.answeringLinkErrors(res, true, async () => sendPage(res, 200, render(value, await load(value))));
  }

  /**
   * The body of a link's form post, validated. When it is incomplete, answers 400 (an
   * error page, or JSON naming the fields) and returns null.
   */
  protected async linkFormBody<T extends object>(dto: new () => T, req: Request, res: Response): Promise<T | null> {
    const checked = validateBody(dto, bodyOf(req));
    if (checked.errors === null) return checked.value;
    if (wantsHtml(req)) {
      sendPage(res, 400, this.pages.error('This link does not work', `The ${this.link} link is incomplete.`));
    } else res.status(400).json(errorBody(checked.errors));
    return null;
  }

  /** Runs a link's handler, answering the link errors answerLinkError knows (400); anything else is rethrown. */
  protected async answeringLinkErrors(res: Response, html: boolean, handle: () => Promise<void>): Promise<void> {
    try {
      await handle();
    } catch (err) {
      if (!answerLinkError(err, res, this.pages, html, this.link)) throw err;
    }
  }
}
