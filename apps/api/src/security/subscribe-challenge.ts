import type { Request } from 'express';

/**
 * An optional anti-bot check on POST /subscriptions (proof of work, CAPTCHA...).
 * Implementations read what they need from the request body (the hosted form adds
 * a hidden field) and answer whether the sign-up may proceed. Off by default;
 * switched on by configuration (SUBSCRIBE_POW_BITS, CAPTCHA_VERIFY_URL + CAPTCHA_SECRET).
 * To plug in another provider, implement this and add it to the SUBSCRIBE_CHALLENGES provider.
 */
export interface SubscribeChallenge {
  /** The body field a refusal names in the 400 answer. */
  readonly field: string;
  /** A one-line reason shown to the reader when verify() answers false. */
  readonly failureMessage: string;
  /** May throw ServiceUnavailableException when a remote verifier cannot be reached. */
  verify(req: Request, body: Record<string, unknown>): Promise<boolean>;
}

/** Injection token: the list of active challenges (empty when none is configured). */
export const SUBSCRIBE_CHALLENGES = Symbol('SUBSCRIBE_CHALLENGES');
