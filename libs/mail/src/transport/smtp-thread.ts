/**
 * The SMTP thread: owns the SMTP connections and does the byte work of every send
 * (DKIM, dot-stuffing, line ends, socket writes) off the thread that builds messages.
 * Started by ThreadedSmtpPool; imports nothing of ours but the protocol and the pool,
 * by relative paths (a thread runs without the @app aliases).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type Mail from 'nodemailer/lib/mailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { ReadyMessage, SmtpConnectionPool } from './smtp-connection-pool';
import type { FromSmtpThread, SmtpFailure, SmtpThreadData, ToSmtpThread } from './smtp-thread-protocol';

const port = parentPort!;
const { options } = workerData as SmtpThreadData;
const pool = new SmtpConnectionPool(options);

const reply = (message: FromSmtpThread) => port.postMessage(message);

port.on('message', (message: ToSmtpThread) => {
  if (message.type === 'close') {
    // The thread ends once the connections have said QUIT (ThreadedSmtpPool.close waits for that).
    void pool.close().finally(() => port.close());
    return;
  }
  const { id, mail } = message;
  readyMessage(mail)
    .then((ready) => pool.send(ready))
    .then(
      (info) => reply({ type: 'sent', id, accepted: info.accepted }),
      (err: unknown) => reply({ type: 'failed', id, error: failureOf(err) }),
    );
});

/** A pre-built message as it came (its envelope given), or one composed here by nodemailer from its parts. */
async function readyMessage(mail: Mail.Options): Promise<ReadyMessage> {
  const raw: unknown = mail.raw;
  if (raw instanceof Uint8Array) {
    const envelope = mail.envelope as { from: string; to: string[] };
    // A Buffer crosses as a plain Uint8Array: view the same bytes as a Buffer again (no copy).
    return { envelope, raw: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength) };
  }
  // Nothing we send attaches files or URLs: never let a message read either.
  const node = new MailComposer({ ...mail, disableFileAccess: true, disableUrlAccess: true }).compile();
  const envelope = node.getEnvelope();
  return { envelope: { from: envelope.from || '', to: envelope.to }, raw: await node.build() };
}

function failureOf(err: unknown): SmtpFailure {
  if (!(err instanceof Error)) return { message: String(err) };
  const e = err as Error & Omit<SmtpFailure, 'message'>;
  return { message: e.message, code: e.code, responseCode: e.responseCode, response: e.response, command: e.command };
}
