import { isPermanentResponseCode } from 'nodemailer/lib/errors';
import { HeaderInjectionError } from '../headers/mail-headers';

/** temporary: retry later with backoff; permanent: the same message would be refused again. */
export type SendFailureKind = 'temporary' | 'permanent';

/** Connection-level failures and our own mail-server set-up problems: worth retrying. */
const TEMPORARY_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EPROTOCOL',
  'EAUTH',
  'ENOAUTH',
  'EMAXLIMIT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** Failures that are about the message or its recipient: retrying sends the same thing. */
const PERMANENT_CODES = new Set(['EENVELOPE', 'EMESSAGE', 'EMAXRECIPIENTS', 'EFILEACCESS', 'EURLACCESS']);

interface SmtpLikeError {
  code?: string;
  responseCode?: number;
}

/**
 * What a failed send means for the delivery: 4xx replies, refused/reset/timed-out
 * connections and authentication trouble are temporary (retry with backoff); 5xx
 * replies (except 503, a session-state reply) and messages we refuse to build are permanent.
 */
export function classifySmtpError(err: unknown): SendFailureKind {
  if (err instanceof MailSendError) return err.kind;
  if (err instanceof HeaderInjectionError) return 'permanent';
  const e = (err ?? {}) as SmtpLikeError;
  // Authentication replies are 5xx too, but they say our set-up is wrong, not the message.
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH') return 'temporary';
  if (typeof e.responseCode === 'number' && e.responseCode >= 400) {
    return isPermanentResponseCode(e.responseCode) ? 'permanent' : 'temporary';
  }
  if (e.code && PERMANENT_CODES.has(e.code)) return 'permanent';
  if (e.code && TEMPORARY_CODES.has(e.code)) return 'temporary';
  // Anything else (a closed pool during shutdown, a full disk for the outbox) may pass.
  return 'temporary';
}

/** A send that failed, classified; the message has addresses masked so it can be logged and stored. */
export class MailSendError extends Error {
  readonly kind: SendFailureKind;
  readonly responseCode?: number;

  constructor(cause: unknown) {
    super(redactAddresses(cause instanceof Error ? cause.message : String(cause)), { cause });
    this.name = 'MailSendError';
    this.kind = classifySmtpError(cause);
    const code = (cause as SmtpLikeError | undefined)?.responseCode;
    if (typeof code === 'number') this.responseCode = code;
  }

  get permanent(): boolean {
    return this.kind === 'permanent';
  }
}

/** SMTP replies often quote the recipient ("550 <jane@example.com> unknown"): never log that. */
export function redactAddresses(text: string): string {
  return text.replace(
    /([^\s<>"'(),;:@]+)@([^\s<>"'(),;:@]+)/g,
    (_m, local: string, domain: string) => `${local[0]}***@${domain}`,
  );
}
