import { Inject, Injectable, Optional } from '@nestjs/common';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@app/config';
import { CLOCK, Clock } from '@app/common';

/** What a hosted form token vouches for: which form was served, when, and the consent text it showed. */
export interface FormTokenClaims {
  /** Form id, e.g. "subscribe:page", "subscribe:embed:morning-briefing", "confirm". */
  form: string;
  issuedAt: number;
  consentVersion?: string;
  consentSha256?: string;
}

export class InvalidFormTokenError extends Error {}

/** A form older than this must be reloaded (a day: long enough for a tab left open). */
export const FORM_TOKEN_LIFETIME_SECONDS = 24 * 3600;

/**
 * CSRF protection for the hosted forms, stateless so it works inside the
 * embeddable iframe where third-party cookies are blocked: each form carries
 * an HMAC-signed, expiring token naming the form it was served with. The HTTP
 * layer also checks the Origin header, so a token fetched by another site's
 * server cannot be replayed from a visitor's browser.
 */
@Injectable()
export class FormTokenService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'appSecrets'>,
    @Optional() @Inject(CLOCK) private readonly now: Clock = Date.now,
  ) {}

  issue(form: string, consent?: { version: string; sha256: string }): string {
    const claims: FormTokenClaims = {
      form,
      issuedAt: Math.floor(this.now() / 1000),
      consentVersion: consent?.version,
      consentSha256: consent?.sha256,
    };
    // The nonce makes every served form's token distinct, so tokens never repeat in logs or caches.
    const body = { ...claims, n: randomBytes(6).toString('base64url') };
    const encoded = Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
    return `${encoded}.${this.mac(encoded, this.config.appSecrets[0])}`;
  }

  /**
   * Returns the claims when the token is genuine, unexpired and was issued for a
   * form id accepted by `acceptForm`; throws InvalidFormTokenError otherwise.
   */
  verify(token: unknown, acceptForm: (form: string) => boolean): FormTokenClaims {
    if (typeof token !== 'string' || token.length === 0) throw new InvalidFormTokenError('form token missing');
    if (token.length > 1024) throw new InvalidFormTokenError('malformed form token');
    const [encoded, signature, extra] = token.split('.');
    if (!encoded || !signature || extra !== undefined) throw new InvalidFormTokenError('malformed form token');
    if (!this.config.appSecrets.some((secret) => safeEqual(signature, this.mac(encoded, secret)))) {
      throw new InvalidFormTokenError('form token signature is wrong');
    }
    const claims = parseClaims(encoded);
    if (!acceptForm(claims.form)) throw new InvalidFormTokenError('form token belongs to another form');
    const age = Math.floor(this.now() / 1000) - claims.issuedAt;
    if (age > FORM_TOKEN_LIFETIME_SECONDS) throw new InvalidFormTokenError('form expired');
    return claims;
  }

  private mac(encoded: string, secret: string): string {
    return createHmac('sha256', `${secret}:form-tokens`).update(encoded).digest('base64url');
  }
}

function parseClaims(encoded: string): FormTokenClaims {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidFormTokenError('malformed form token');
  }
  const c = parsed as Partial<FormTokenClaims> | null;
  if (!c || typeof c.form !== 'string' || typeof c.issuedAt !== 'number' || !Number.isFinite(c.issuedAt)) {
    throw new InvalidFormTokenError('malformed form token');
  }
  const optional = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    form: c.form,
    issuedAt: c.issuedAt,
    consentVersion: optional(c.consentVersion),
    consentSha256: optional(c.consentSha256),
  };
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
