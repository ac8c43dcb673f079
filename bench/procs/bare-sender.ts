/**
 * The bare sending limit: N pre-rendered messages through a nodemailer SMTP pool with
 * `concurrency` connections, each socket with TCP_NODELAY (handed over by getSocket),
 * and nothing else: no database, no queue, no rendering. With `via: 'connections'`, the
 * same messages through the pipeline's own SmtpConnectionPool instead (a reference: the
 * SMTP thread's code alone).
 */
import { connect } from 'node:net';
import nodemailer from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { SmtpConnectionPool } from '@app/mail';

interface SendCommand {
  type: 'send';
  port: number;
  count: number;
  concurrency: number;
  via?: 'pool' | 'connections';
  /** A whole MIME message (sent as is), or its parts for nodemailer to compose per message. */
  raw?: string;
  parts?: { subject: string; html: string; text: string; headers: Record<string, string> };
}

type SendOne = (to: string) => Promise<unknown>;

/** nodemailer's pool, as a plain nodemailer app sends; or the pipeline's SMTP connections. */
function sender(cmd: SendCommand): { send: SendOne; close: () => unknown } {
  const raw = cmd.raw === undefined ? undefined : Buffer.from(cmd.raw, 'latin1');
  const options: SMTPPool.Options = {
    pool: true,
    host: '127.0.0.1',
    port: cmd.port,
    secure: false,
    ignoreTLS: true,
    maxConnections: cmd.concurrency,
    maxMessages: Infinity,
    getSocket: (_options, callback) => {
      const socket = connect(cmd.port, '127.0.0.1');
      socket.setNoDelay(true);
      const onError = (err: Error) => callback(err);
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        callback(null, { connection: socket });
      });
    },
  };
  if (cmd.via === 'connections') {
    const pool = new SmtpConnectionPool({ url: `smtp://127.0.0.1:${cmd.port}`, maxConnections: cmd.concurrency });
    return {
      send: (to) => pool.send({ envelope: { from: 'bench@127.0.0.1', to: [to] }, raw: raw! }),
      close: () => pool.close(),
    };
  }
  const transport = nodemailer.createTransport(options);
  return {
    send: (to) =>
      raw
        ? transport.sendMail({ envelope: { from: 'bench@127.0.0.1', to }, raw })
        : transport.sendMail({ from: 'Bench <bench@127.0.0.1>', to, ...cmd.parts! }),
    close: () => transport.close(),
  };
}

async function sendAll(cmd: SendCommand): Promise<{ sent: number; failed: number; firstError?: string }> {
  const { send, close } = sender(cmd);
  let next = 0;
  let sent = 0;
  let failed = 0;
  let firstError: string | undefined;
  // A bounded window of sends in flight keeps every pooled connection busy without queueing N promises.
  const lane = async () => {
    while (next < cmd.count) {
      const i = next++;
      try {
        await send(`reader${i}@bench.test`);
        sent++;
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: cmd.concurrency * 2 }, lane));
  await close();
  return { sent, failed, firstError };
}

process.on('message', (msg: SendCommand) => {
  if (msg.type !== 'send') return;
  sendAll(msg).then(
    (result) => process.send!({ type: 'send:reply', ...result }),
    (err: Error) => process.send!({ type: 'send:reply', error: err.message }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send!({ type: 'ready' });
