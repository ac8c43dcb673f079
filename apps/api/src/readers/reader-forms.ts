import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { FormTokenClaims, FormTokenService, InvalidFormTokenError } from '@app/subscriptions';
import { bodyOf } from './reader-http';
import { OriginPolicy } from './origin-policy';

/** Hidden field carrying the signed form token in every state-changing hosted form. */
export const FORM_TOKEN_FIELD = 'formToken';

export type FormCheck = { ok: true; claims: FormTokenClaims } | { ok: false; message: string };

/**
 * CSRF checks for the hosted forms: a post must come from an allowed origin
 * (or carry none) and carry a genuine, unexpired token issued with the form.
 */
@Injectable()
export class ReaderForms {
  constructor(
    private readonly formTokens: FormTokenService,
    private readonly origins: OriginPolicy,
  ) {}

  token(form: string, consent?: { version: string; sha256: string }): string {
    return this.formTokens.issue(form, consent);
  }

  check(req: Request, acceptForm: (form: string) => boolean): FormCheck {
    if (!this.origins.allows(req)) return { ok: false, message: 'this form was posted from another site' };
    try {
      return { ok: true, claims: this.formTokens.verify(bodyOf(req)[FORM_TOKEN_FIELD], acceptForm) };
    } catch (err) {
      if (!(err instanceof InvalidFormTokenError)) throw err;
      return { ok: false, message: 'this form has expired: please submit it again' };
    }
  }
}
