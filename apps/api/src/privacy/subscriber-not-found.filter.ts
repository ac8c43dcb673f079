import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { SubscriberNotFoundError } from '@app/subscriptions';

/** An unknown or malformed subscriber id is a 404, not a server error. */
@Catch(SubscriberNotFoundError)
export class SubscriberNotFoundFilter implements ExceptionFilter {
  catch(_err: SubscriberNotFoundError, host: ArgumentsHost): void {
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(404)
      .json({
        statusCode: 404,
        message: 'no such subscriber',
        errors: [{ field: 'id', message: 'no such subscriber' }],
      });
  }
}
