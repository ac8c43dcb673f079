import { ExecutionContext, HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerRequest } from '@nestjs/throttler';
import { isServiceUnavailableError, unavailableException } from './dependency-errors';

/**
 * Per-client-IP limit on sign-ups (SUBSCRIBE_RATE_LIMIT per minute), counted in Redis so it
 * holds across API replicas. The client IP is req.ip: the socket address, or the
 * X-Forwarded-For client only when TRUST_PROXY is on (express 'trust proxy').
 */
@Injectable()
export class SubscribeRateLimitGuard extends ThrottlerGuard {
  protected async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    try {
      return await super.handleRequest(request);
    } catch (err) {
      if (err instanceof HttpException || !isServiceUnavailableError(err)) throw err;
      // Redis down: the sign-up could not be queued anyway; say so rather than 500.
      throw unavailableException();
    }
  }

  protected async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const message = `too many sign-ups from your network: try again in ${detail.timeToBlockExpire} seconds`;
    // The API's error shape; the parent guard has already set Retry-After.
    throw new HttpException(
      { statusCode: HttpStatus.TOO_MANY_REQUESTS, message, errors: [{ field: 'ip', message }] },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
