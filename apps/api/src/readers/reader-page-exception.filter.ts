import { ArgumentsHost, Catch, HttpException, Injectable } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Request, Response } from 'express';
import { answerForDependencyError } from '../security/dependency-errors';
import { ReaderPages } from './reader-pages';
import { sendPage, wantsHtml } from './reader-http';

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
 * outage is answered here as the global DependencyErrorFilter would (a 503), as a page.
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
    if (!(exception instanceof HttpException) || !wantsHtml(req) || res.headersSent) {
      return super.catch(exception, host);
    }
    const status = exception.getStatus();
    const body = exception.getResponse();
    const message =
      typeof body === 'object' && body !== null && 'message' in body
        ? String((body as { message: unknown }).message)
        : exception.message;
    const heading = HEADINGS[status] ?? 'Something went wrong';
    sendPage(res, status, this.pages.error(heading, capitalise(message), { bare: isEmbedRequest(req) }));
  }
}

function isEmbedRequest(req: Request): boolean {
  const body = req.body as Record<string, unknown> | undefined;
  return req.path.startsWith('/forms/') || typeof body?.embed === 'string';
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
