import { ArgumentsHost, Catch, HttpException, Injectable } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Request, Response } from 'express';
import { answerForDependencyError } from '../security/dependency-errors';
import { ReaderPages } from './reader-pages';
import { sendPage, wantsHtml } from './reader-http';
import { matchedRoutePath } from '../ops/http-timing';

const HEADINGS: Record<number, string> = {
  400: 'Something is not right',
  403: 'Not allowed',
  404: 'Not found',
  413: 'Too much data',
  429: 'Too many attempts',
  503: 'Please try again shortly',
};

/**
 * Readers using the hosted pages get an HTML page for errors raised before or
 * around the handlers (rate limit, anti-bot challenge, outages); API clients
 * keep the JSON error shape. It catches everything, so that a database or Redis
 * outage is answered here as the global ApiExceptionFilter would (a 503), as a page.
 */
@Catch()
@Injectable()
export class ReaderPageExceptionFilter extends BaseExceptionFilter {
  constructor(private readonly pages: ReaderPages) {
    super();
  }

  catch(thrown: unknown, host: ArgumentsHost): void {
    const exception = answerForDependencyError(thrown, host);
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    if (!(exception instanceof HttpException) || !this.answersWithPage(req) || res.headersSent) {
      return super.catch(exception, host);
    }
    const status = exception.getStatus();
    const heading = HEADINGS[status] ?? 'Something went wrong';
    sendPage(res, status, this.pages.error(heading, this.messageFor(exception), { bare: isEmbedRequest(req) }));
  }

  protected answersWithPage(req: Request): boolean {
    return wantsHtml(req);
  }

  protected messageFor(exception: HttpException): string {
    const body = exception.getResponse();
    const message =
      typeof body === 'object' && body !== null && 'message' in body
        ? String((body as { message: unknown }).message)
        : exception.message;
    return capitalise(message);
  }
}

/**
 * Global: every error of a request passes through answerForDependencyError before Nest's
 * own handling (an outage is a 503 with Retry-After, a value the database refused a 400).
 * A browser asking for a path no route has (a 404, or a 400 for one that cannot be
 * decoded, such as a mangled link) gets the error page instead of JSON; API clients and
 * every route's own errors keep the JSON shape. A filter, not an interceptor: with a global
 * interceptor Nest wraps every request in an observable chain whether it fails or not (the
 * API's HTTP stack answered about 40% more requests a second without it), a filter costs
 * nothing until something is thrown.
 */
@Catch()
@Injectable()
export class ApiExceptionFilter extends ReaderPageExceptionFilter {
  protected answersWithPage(req: Request): boolean {
    return matchedRoutePath(req) === null && wantsHtml(req);
  }

  protected messageFor(exception: HttpException): string {
    return exception.getStatus() === 404
      ? 'There is no page at this address.'
      : 'This address is not valid. Check the link, or copy it again from the email.';
  }
}

function isEmbedRequest(req: Request): boolean {
  const body = req.body as Record<string, unknown> | undefined;
  return req.path.startsWith('/forms/') || typeof body?.embed === 'string';
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
