/**
 * The SMTP thread: owns the nodemailer pool and does the byte work of every send
 * (dot-stuffing, line ends, DKIM, socket writes) off the thread that builds messages.
 * Started by ThreadedSmtpPool; imports nothing of ours but the protocol, by a relative
 * path (a thread runs without the @app aliases).
 */
import { parentPort, workerData } from 'node:worker_threads';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import {
  addressesOf,
  type FromSmtpThread,
  type SmtpFailure,
  type SmtpThreadData,
  type ToSmtpThread,
} from './smtp-thread-protocol';

const port = parentPort!;
const { options } = workerData as SmtpThreadData;
const pool = nodemailer.createTransport(options);

const reply = (message: FromSmtpThread) => port.postMessage(message);

port.on('message', (message: ToSmtpThread) => {
  if (message.type === 'close') {
    // The thread ends once the pool's sockets have closed (ThreadedSmtpPool.close waits for that).
    pool.close();
    port.close();
    return;
  }
  const { id, mail } = message;
  pool.sendMail(withBufferRaw(mail)).then(
    (info) => reply({ type: 'sent', id, accepted: addressesOf(info.accepted) }),
    (err: unknown) => reply({ type: 'failed', id, error: failureOf(err) }),
  );
});

/** A Buffer crosses as a plain Uint8Array: view the same bytes as a Buffer again (no copy). */
function withBufferRaw(mail: Mail.Options): Mail.Options {
  const raw: unknown = mail.raw;
  if (!(raw instanceof Uint8Array) || Buffer.isBuffer(raw)) return mail;
  return { ...mail, raw: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength) };
}

function failureOf(err: unknown): SmtpFailure {
  if (!(err instanceof Error)) return { message: String(err) };
  const e = err as Error & Omit<SmtpFailure, 'message'>;
  return { message: e.message, code: e.code, responseCode: e.responseCode, response: e.response, command: e.command };
}
