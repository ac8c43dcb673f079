import { BadRequestException, CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { SUBSCRIBE_CHALLENGES, SubscribeChallenge } from './subscribe-challenge';

/** Runs every configured anti-bot challenge before a sign-up; none configured means it lets everything through. */
@Injectable()
export class SubscribeChallengeGuard implements CanActivate {
  constructor(@Inject(SUBSCRIBE_CHALLENGES) private readonly challenges: SubscribeChallenge[]) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.challenges.length === 0) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const body = typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>) : {};
    for (const challenge of this.challenges) {
      if (!(await challenge.verify(req, body))) {
        const message = `${challenge.field}: ${challenge.failureMessage}`;
        throw new BadRequestException({
          statusCode: 400,
          message,
          errors: [{ field: challenge.field, message: challenge.failureMessage }],
        });
      }
    }
    return true;
  }
}
