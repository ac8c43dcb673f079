import type Mail from 'nodemailer/lib/mailer';
import type { SmtpConnectionPoolOptions } from './smtp-connection-pool';

/**
 * What the main thread and the SMTP thread (smtp-thread.ts) say to each other. Only
 * structured-cloneable values cross: a pre-built message's bytes arrive as a Uint8Array,
 * and errors travel as the fields that classify them (an Error's own fields are not cloned).
 */
export interface SmtpThreadData {
  /** The pool's options, DKIM key included. No functions: they cannot cross threads. */
  options: SmtpConnectionPoolOptions;
}

export type ToSmtpThread = { type: 'send'; id: number; mail: Mail.Options } | { type: 'close' };

export type FromSmtpThread =
  { type: 'sent'; id: number; accepted: string[] } | { type: 'failed'; id: number; error: SmtpFailure };

/** The parts of a nodemailer error that say what went wrong (see classifySmtpError). */
export interface SmtpFailure {
  message: string;
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

/** Nodemailer's accepted recipients (strings or address objects) as plain addresses. */
export function addressesOf(list: Array<string | Mail.Address> | undefined): string[] {
  return (list ?? []).map((a) => (typeof a === 'string' ? a : (a.address ?? ''))).filter(Boolean);
}
