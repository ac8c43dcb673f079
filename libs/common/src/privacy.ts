import { createHash, createHmac } from 'node:crypto';

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
  return createHmac('sha256', `${secret}:email-hash`).update(normaliseEmail(email)).digest('hex');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
