import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { classifySmtpError, ThreadedSmtpPool } from '@app/mail';
import { SmtpSink } from '../helpers/smtp-sink';

const DYING_THREAD = join(__dirname, '../fixtures/dying-smtp-thread.ts');
// The pool logs the thread's death; here it is deliberate.
Logger.overrideLogger(false);

describe('ThreadedSmtpPool (the SMTP pool in its own thread)', () => {
  let sink: SmtpSink;
  let pool: ThreadedSmtpPool;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    pool = new ThreadedSmtpPool({ url: sink.url, maxConnections: 2 }, DYING_THREAD);
  });
  afterAll(async () => {
    await pool?.close();
    await sink?.stop();
  });

  const mail = (to: string) => ({ from: 'news@example.com', to, subject: 'Hello', text: `Hello ${to}` });

  it('reports what the server accepted, and its refusals with the reply code', async () => {
    await expect(pool.sendMail(mail('jane@example.net'))).resolves.toEqual({ accepted: ['jane@example.net'] });
    expect(await sink.waitForMailTo('jane@example.net')).toHaveLength(1);

    sink.answers.push({ code: 550, message: 'No such user here' });
    const refused = await pool.sendMail(mail('gone@example.net')).catch((err: unknown) => err);
    expect(refused).toMatchObject({ responseCode: 550 });
    expect(classifySmtpError(refused)).toBe('permanent');
  });

  it('fails the sends a dying thread held as temporary, and sends again on a new thread', async () => {
    const dying = pool.sendMail(mail('die@example.net')).catch((err: unknown) => err);
    const queuedBehind = pool.sendMail(mail('behind@example.net')).catch((err: unknown) => err);
    for (const failure of [await dying, await queuedBehind]) {
      expect(failure).toBeInstanceOf(Error);
      expect(classifySmtpError(failure)).toBe('temporary');
    }
    expect(sink.to('die@example.net')).toHaveLength(0);

    await expect(pool.sendMail(mail('after@example.net'))).resolves.toEqual({ accepted: ['after@example.net'] });
    expect(await sink.waitForMailTo('after@example.net')).toHaveLength(1);
  });
});
