import { isEmail } from 'class-validator';
import { domainToASCII } from 'node:url';

/** Longest address SMTP can carry (RFC 5321 path limit). */
export const MAX_EMAIL_LENGTH = 254;
export const MAX_NAME_LENGTH = 100;

/** C0/C1 control characters (CR, LF, NUL, tab...) and bidirectional overrides, which can disguise text. */
const FORBIDDEN_IN_TEXT = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/u;

/** Whether a reader-typed address is acceptable (internationalised domains included). */
export function isValidReaderEmail(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const email = value.trim();
  return email.length <= MAX_EMAIL_LENGTH && isEmail(email) && toStoredEmail(email) !== null;
}

/**
 * The form an address is stored in: trimmed, domain lower-cased and converted to
 * its ASCII (punycode) form, so "jo@Bücher.de" and "jo@xn--bcher-kva.de" are one
 * reader and any mail server can deliver to it. The local part is kept as typed.
 * Returns null when the domain cannot be converted.
 */
export function toStoredEmail(value: string): string | null {
  const email = value.trim();
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) return null;
  const domain = domainToASCII(email.slice(at + 1).toLowerCase());
  if (!domain) return null;
  return `${email.slice(0, at)}@${domain}`;
}

/** Problem with a reader-supplied single-line text (name, source), or null when fine. */
export function plainTextProblem(value: string, maxLength: number): string | null {
  if (FORBIDDEN_IN_TEXT.test(value)) return 'must not contain line breaks or control characters';
  if (value.length > maxLength) return `must be at most ${maxLength} characters`;
  return null;
}

/** Trims a reader's name; empty becomes null. Validation (plainTextProblem) is the caller's job. */
export function cleanName(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const name = value.trim().replace(/\s+/g, ' ');
  return name === '' ? null : name;
}
