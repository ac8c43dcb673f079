import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { APP_CONFIG, AppConfig } from '@app/config';
import { unavailableException } from './dependency-errors';
import { SubscribeChallenge } from './subscribe-challenge';

/** Form fields the common widgets post their answer in; `captcha` for custom forms and JSON clients. */
export const CAPTCHA_FIELDS = ['captcha', 'h-captcha-response', 'cf-turnstile-response', 'g-recaptcha-response'];

/**
 * Provider-agnostic CAPTCHA check: hCaptcha, Cloudflare Turnstile and reCAPTCHA all verify
 * a widget's answer with a form POST of `secret`, `response` (and optional `remoteip`) to
 * their siteverify URL, answering JSON `{ "success": true|false }`. Set CAPTCHA_VERIFY_URL
 * to that URL and CAPTCHA_SECRET to the site's secret.
 */
@Injectable()
export class HttpCaptchaChallenge implements SubscribeChallenge {
  readonly field = 'captcha';
  readonly failureMessage = 'please complete the CAPTCHA';
  private readonly logger = new Logger(HttpCaptchaChallenge.name);

  constructor(@Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'subscribeChallenge'>) {}

  async verify(req: Request, body: Record<string, unknown>): Promise<boolean> {
    const { captchaVerifyUrl, captchaSecret } = this.config.subscribeChallenge;
    const answer = CAPTCHA_FIELDS.map((f) => body[f]).find((v): v is string => typeof v === 'string' && v !== '');
    if (!captchaVerifyUrl || !captchaSecret || !answer || answer.length > 4096) return false;
    const form = new URLSearchParams({ secret: captchaSecret, response: answer });
    if (req.ip) form.set('remoteip', req.ip);
    let res: globalThis.Response;
    try {
      res = await fetch(captchaVerifyUrl, { method: 'POST', body: form, signal: AbortSignal.timeout(5000) });
    } catch (err) {
      // The provider being down is not the reader's fault: 503, so they retry rather than think they failed.
      this.logger.warn(`CAPTCHA verifier unreachable: ${(err as Error).message}`);
      throw unavailableException();
    }
    if (res.status >= 500) throw unavailableException();
    const result = (await res.json().catch(() => null)) as { success?: unknown } | null;
    return result?.success === true;
  }
}
