/**
 * The body of the SMTP thread (see SmtpThread): a nodemailer SMTP pool answering send
 * requests from the main thread. Kept free of the app's path aliases and Nest, so that it
 * loads on its own in a worker thread.
 */
import { MessagePort, parentPort, workerData } from 'node:worker_threads';
import nodemailer, { Transporter } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import {
  errorFields,
  SmtpThreadData,
  SmtpThreadOptions,
  SmtpThreadReply,
  SmtpThreadRequest,
} from './smtp-thread-protocol';

/** Answers the send requests arriving on `port` through one nodemailer pool, until asked to close. */
export function serveSmtp(port: MessagePort, options: SmtpThreadOptions): void {
  const transport = nodemailer.createTransport(options);
  port.on('message', (request: SmtpThreadRequest) => {
    if (request.type === 'close') {
      transport.close();
      port.close();
      return;
    }
    void send(transport, port, request.id, withBufferRaw(request.message));
  });
}

// Only in a thread started by SmtpThread (not when a test imports serveSmtp, whatever runs the test).
const data = workerData as Partial<SmtpThreadData> | null;
if (parentPort && data?.smtpThread) serveSmtp(parentPort, data.smtpThread);

async function send(transport: Transporter, port: MessagePort, id: number, message: Mail.Options): Promise<void> {
  let reply: SmtpThreadReply;
  try {
    const info = await transport.sendMail(message);
    const accepted = (info.accepted as Array<string | Mail.Address>).map((a) =>
      typeof a === 'string' ? a : (a.address ?? ''),
    );
    reply = { type: 'sent', id, accepted: accepted.filter(Boolean) };
  } catch (err) {
    reply = { type: 'failed', id, error: errorFields(err) };
  }
  port.postMessage(reply);
}

/** A Buffer arrives as a plain Uint8Array; nodemailer wants a Buffer (a view, not a copy). */
function withBufferRaw(message: Mail.Options): Mail.Options {
  const raw = message.raw as unknown;
  if (raw instanceof Uint8Array && !Buffer.isBuffer(raw)) {
    return { ...message, raw: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength) };
  }
  return message;
}
