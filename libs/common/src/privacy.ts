import { createHash, createHmac, createSecretKey, KeyObject } from 'node:crypto';

/** "jane.doe@example.com" -> "j***@example.com": for logs, never the whole address. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Keyed hash of an address (suppression list, provider events): lets us recognise
 * an address again without storing it.
 */
export function emailHash(email: string, secret: string): string {
  return createHmac('sha256', emailHashKey(secret)).update(normaliseEmail(email)).digest('hex');
}

/** The HMAC key of a secret, imported once (every sign-up hashes its address). */
function emailHashKey(secret: string): KeyObject {
  let key = emailHashKeys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(`${secret}:email-hash`, 'utf8'));
    emailHashKeys.set(secret, key);
  }
  return key;
}

/** Keyed by the configured secrets, which are few (the current one and those being rotated out). */
const emailHashKeys = new Map<string, KeyObject>();

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
