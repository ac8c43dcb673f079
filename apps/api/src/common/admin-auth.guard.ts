import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { APP_CONFIG, AppConfig } from '@app/config';

/**
 * Operators authenticate with `Authorization: Bearer $ADMIN_TOKEN`; browser pages
 * (dashboard, queue board) also accept basic auth `admin:$ADMIN_TOKEN`.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    if (isAdminRequest(req.headers.authorization, this.config.adminToken)) return true;
    context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Basic realm="Dispatch admin"');
    throw new UnauthorizedException('a valid admin token is required');
  }
}

/** Operators only (controller or route): the admin guard, and both ways to authenticate in the OpenAPI document. */
export function AdminOnly(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    UseGuards(AdminAuthGuard),
    ApiBearerAuth(),
    ApiBasicAuth(),
    ApiUnauthorizedResponse({ description: 'missing or wrong admin token' }),
  );
}

export function isAdminRequest(authorization: string | undefined, adminToken: string): boolean {
  if (!authorization) return false;
  const [scheme, value = ''] = authorization.split(' ', 2);
  if (/^bearer$/i.test(scheme)) return safeEqual(value.trim(), adminToken);
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value.trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    return decoded.slice(0, colon) === 'admin' && safeEqual(decoded.slice(colon + 1), adminToken);
  }
  return false;
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
