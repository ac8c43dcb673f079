import type Mail from 'nodemailer/lib/mailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';

/** The SMTP thread's nodemailer pool options. */
export type SmtpThreadOptions = SMTPPool.Options;

/** The SMTP thread's workerData. */
export interface SmtpThreadData {
  smtpThread: SmtpThreadOptions;
}

export type SmtpThreadRequest = { type: 'send'; id: number; message: Mail.Options } | { type: 'close' };

/** The fields of a nodemailer error that classifySmtpError reads, carried across the thread boundary. */
export interface SmtpErrorFields {
  name: string;
  message: string;
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

export type SmtpThreadReply =
  { type: 'sent'; id: number; accepted: string[] } | { type: 'failed'; id: number; error: SmtpErrorFields };

/** Structured clone keeps only an Error's name and message; the SMTP details travel as plain fields. */
export function errorFields(err: unknown): SmtpErrorFields {
  const e = (err ?? {}) as Partial<SmtpErrorFields>;
  const fields: SmtpErrorFields = {
    name: typeof e.name === 'string' ? e.name : 'Error',
    message: err instanceof Error ? err.message : String(err),
  };
  if (typeof e.code === 'string') fields.code = e.code;
  if (typeof e.responseCode === 'number') fields.responseCode = e.responseCode;
  if (typeof e.response === 'string') fields.response = e.response;
  if (typeof e.command === 'string') fields.command = e.command;
  return fields;
}

/** The error as the sending code would have seen it in its own thread. */
export function errorFromFields(fields: SmtpErrorFields): Error {
  const { message, ...rest } = fields;
  return Object.assign(new Error(message), rest);
}
