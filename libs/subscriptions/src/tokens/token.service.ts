import { Inject, Injectable, Optional } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@app/config';
import { CLOCK, Clock } from '@app/common';

export type TokenPurpose = 'confirm' | 'unsubscribe' | 'preferences' | 'export';

/** Newsletter scope of a token: one newsletter id, or every newsletter. */
export const ALL_NEWSLETTERS = 'all';

export interface TokenClaims {
  subscriberId: string;
  /** A newsletter id, or ALL_NEWSLETTERS. */
  newsletterId: string;
  purpose: TokenPurpose;
  /** Issued at, epoch seconds. */
  issuedAt: number;
}

/** Seconds a token stays valid; undefined means it never expires (unsubscribe links must always work). */
const LIFETIME_SECONDS: Record<TokenPurpose, number | undefined> = {
  confirm: 7 * 24 * 3600,
  export: 7 * 24 * 3600,
  preferences: undefined,
  unsubscribe: undefined,
};

export class InvalidTokenError extends Error {}

/**
 * HMAC-SHA256 signed tokens that carry a reader's identity in links.
 * Signed with the current APP_SECRET; verified against it and every previous
 * secret, so rotating the secret keeps old unsubscribe links working.
 */
@Injectable()
export class TokenService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'appSecrets'>,
    @Optional() @Inject(CLOCK) private readonly now: Clock = Date.now,
  ) {}

  sign(claims: Omit<TokenClaims, 'issuedAt'> & { issuedAt?: number }): string {
    const issuedAt = claims.issuedAt ?? Math.floor(this.now() / 1000);
    const payload = [claims.purpose, claims.subscriberId, claims.newsletterId, issuedAt.toString(36)].join('.');
    const encoded = Buffer.from(payload, 'utf8').toString('base64url');
    return `${encoded}.${this.mac(encoded, this.config.appSecrets[0])}`;
  }

  /** Returns the claims, or throws InvalidTokenError for a tampered, expired, wrong-purpose or garbage token. */
  verify(token: unknown, purpose: TokenPurpose): TokenClaims {
    if (typeof token !== 'string' || token.length > 512) throw new InvalidTokenError('malformed token');
    const [encoded, signature, extra] = token.split('.');
    if (!encoded || !signature || extra !== undefined) throw new InvalidTokenError('malformed token');
    if (!this.config.appSecrets.some((secret) => safeEqual(signature, this.mac(encoded, secret)))) {
      throw new InvalidTokenError('bad signature');
    }
    const claims = parsePayload(Buffer.from(encoded, 'base64url').toString('utf8'));
    if (claims.purpose !== purpose) throw new InvalidTokenError('token is for another purpose');
    const lifetime = LIFETIME_SECONDS[purpose];
    if (lifetime !== undefined && Math.floor(this.now() / 1000) - claims.issuedAt > lifetime) {
      throw new InvalidTokenError('token expired');
    }
    return claims;
  }

  private mac(encoded: string, secret: string): string {
    return createHmac('sha256', `${secret}:tokens`).update(encoded).digest('base64url');
  }
}

function parsePayload(payload: string): TokenClaims {
  const [purpose, subscriberId, newsletterId, issued, extra] = payload.split('.');
  const issuedAt = parseInt(issued ?? '', 36);
  if (!(purpose in LIFETIME_SECONDS) || !subscriberId || !newsletterId || !Number.isFinite(issuedAt) || extra) {
    throw new InvalidTokenError('malformed token');
  }
  return { purpose: purpose as TokenPurpose, subscriberId, newsletterId, issuedAt };
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
