import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { APP_CONFIG, AppConfig } from '@app/config';

export const SIGNATURE_HEADER = 'x-dispatch-signature';

/** `sha256=<hex HMAC-SHA256 of the raw body>` with WEBHOOK_SECRET, as the bytes were sent. */
export function signWebhookBody(body: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Only the mail provider (who knows WEBHOOK_SECRET) may report bounces and complaints:
 * anyone else could suppress a reader. The signature covers the raw bytes, before parsing.
 */
@Injectable()
export class WebhookSignatureGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request & { rawBody?: Buffer }>();
    const header = req.headers[SIGNATURE_HEADER];
    const given = typeof header === 'string' ? header.trim() : '';
    const expected = signWebhookBody(req.rawBody ?? Buffer.alloc(0), this.config.webhookSecret);
    if (
      !/^sha256=[0-9a-f]{64}$/i.test(given) ||
      !timingSafeEqual(Buffer.from(given.toLowerCase()), Buffer.from(expected))
    ) {
      throw new UnauthorizedException(
        `missing or invalid ${SIGNATURE_HEADER.replace(/\b\w/g, (c) => c.toUpperCase())}`,
      );
    }
    return true;
  }
}
