import { maskEmail } from '@app/common';

// Anything email-shaped, plain or URL-encoded (`%40`), wherever it appears in a log line.
const EMAIL = /[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
// Reader tokens travel in query strings (`?token=…`); the value is a credential.
const TOKEN_PARAM = /([?&;]token=)[^&#"\s\\]+/gi;
// Secrets logged as object fields, e.g. {"token":"…"} or {"password":"…"}.
const SECRET_FIELD = /("(?:token|password|secret|apiKey|adminToken)"\s*:\s*")(?:[^"\\]|\\.)*"/gi;

/** Masks email addresses and removes tokens from any text bound for a log. */
export function scrubLogText(text: string): string {
  return text
    .replace(TOKEN_PARAM, '$1[redacted]')
    .replace(SECRET_FIELD, '$1[redacted]"')
    .replace(EMAIL, (match) => maskEmail(match.replace(/%40/i, '@')));
}

/** A request path fit for logs and metrics: no token values, no addresses. */
export function scrubUrl(url: string | undefined): string {
  return url ? scrubLogText(url) : '';
}
