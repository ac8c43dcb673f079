import { INestApplicationContext } from '@nestjs/common';
import { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import { MailHeaders } from '@app/mail';
import { JobQueue, QueueName } from '@app/queues';
import { SuppressionService, TokenService, TransactionalMailService } from '@app/subscriptions';
import { SmtpSink, ReceivedMail } from '../helpers/smtp-sink';
import { createTestEnv, TestEnv, waitFor } from '../helpers/test-env';
import { startWorker } from '../helpers/worker-app';

const BASE_URL = 'http://localhost:3000';
const HOSTILE_NAME = 'Mallory <b>FREE MONEY</b> "http://spam.example" O\'Brien';

describe('Transactional mails through the worker (real PostgreSQL, Redis and SMTP sink)', () => {
  let sink: SmtpSink;
  let env: TestEnv;
  let worker: INestApplicationContext;
  let db: DataSource;
  let mails: TransactionalMailService;
  let jobs: JobQueue;
  let tokens: TokenService;
  let morning: string;
  let tech: string;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    env = await createTestEnv('transactional_mail', { SMTP_URL: sink.url, PUBLIC_BASE_URL: BASE_URL });
    worker = await startWorker();
    db = worker.get(DataSource);
    mails = worker.get(TransactionalMailService);
    jobs = worker.get(JobQueue);
    tokens = worker.get(TokenService);
    [morning, tech] = await Promise.all([
      newsletter('morning-briefing', 'Morning Briefing', 'The news before breakfast'),
      newsletter('tech-weekly', 'Tech "Weekly" <Digest>', ''),
    ]);
  });
  afterAll(async () => {
    await worker?.close();
    await sink?.stop();
    await env?.cleanup();
  });

  async function newsletter(slug: string, name: string, description: string): Promise<string> {
    const [row] = await db.query(`INSERT INTO newsletters (slug, name, description) VALUES ($1, $2, $3) RETURNING id`, [
      slug,
      name,
      description,
    ]);
    return row.id;
  }

  async function reader(email: string, status: 'pending' | 'active', newsletterIds: string[], name = HOSTILE_NAME) {
    const [row] = await db.query(`INSERT INTO subscribers (email, name) VALUES ($1, $2) RETURNING id`, [email, name]);
    for (const id of newsletterIds) {
      await db.query(`INSERT INTO subscriptions (subscriber_id, newsletter_id, status) VALUES ($1, $2, $3)`, [
        row.id,
        id,
        status,
      ]);
    }
    return row.id as string;
  }

  function linkIn(mail: ReceivedMail, path: string): string {
    const match = new RegExp(`${BASE_URL}${path}\\?token=([^\\s\\]"<>]+)`).exec(mail.parsed.text ?? '');
    if (!match) throw new Error(`no ${path} link in the text part`);
    return decodeURIComponent(match[1]);
  }

  function expectSubscriberHeaders(mail: ReceivedMail, listId: string, subscriberId: string, newsletterId: string) {
    const raw = mail.raw.toString('utf8');
    const headerBlock = raw.slice(0, raw.indexOf('\r\n\r\n'));
    expect(headerBlock).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
    expect(headerBlock).toContain(`List-ID: ${listId}`);
    const unsubscribe = /^List-Unsubscribe: <([^>]+)>$/m.exec(headerBlock)?.[1];
    expect(unsubscribe).toMatch(new RegExp(`^${BASE_URL}/unsubscribe\\?token=`));
    const claims = tokens.verify(decodeURIComponent(new URL(unsubscribe!).searchParams.get('token')!), 'unsubscribe');
    expect(claims).toMatchObject({ subscriberId, newsletterId });
  }

  async function waitForJob(id: string, state: 'completed' | 'failed'): Promise<Job> {
    const queue = jobs.queue(QueueName.transactional);
    const job = await waitFor<Job | null>(
      // State first, then the job: a job read while still active and checked after it
      // finished would carry the attempt count and result of before the finish.
      async () => ((await queue.getJobState(id)) === state ? ((await queue.getJob(id)) ?? null) : null),
      20000,
      `job ${id} ${state}`,
    );
    return job!;
  }

  it('sends the confirmation once, with no reader-supplied text, a working confirm link and List-* headers', async () => {
    const email = 'confirm-me@example.net';
    const id = await reader(email, 'pending', [morning, tech]);
    await jobs.add(
      'send-confirmation',
      { subscriberId: id, newsletterIds: [morning, tech] },
      { jobId: `confirm-${id}` },
    );
    const [mail] = await sink.waitForMailTo(email);

    expect(mail.parsed.subject).toBe('Please confirm your subscription');
    expect(mail.parsed.html).toContain('Morning Briefing');
    expect(mail.parsed.html).toContain('Tech &quot;Weekly&quot; &lt;Digest&gt;');
    for (const part of [mail.raw.toString('utf8'), mail.parsed.html as string, mail.parsed.text ?? '']) {
      expect(part).not.toContain('Mallory');
      expect(part).not.toContain('spam.example');
    }
    expect(mail.parsed.to).toMatchObject({ value: [{ name: '', address: email }] });
    expect(tokens.verify(linkIn(mail, '/confirm'), 'confirm')).toMatchObject({ subscriberId: id, newsletterId: 'all' });
    // Several newsletters: the one-click unsubscribe means all of them.
    expectSubscriberHeaders(mail, '"All newsletters" <all.localhost>', id, 'all');
    expect(mail.parsed.text).toContain('Example Street');
    await waitForJob(`confirm-${id}`, 'completed');

    // Within the hour, whatever is posted: nothing more goes out.
    await expect(mails.sendConfirmation(id, [morning])).resolves.toEqual({ status: 'skipped', reason: 'throttled' });
    await jobs.add(
      'send-confirmation',
      { subscriberId: id, newsletterIds: [morning] },
      { jobId: `confirm-again-${id}` },
    );
    await waitForJob(`confirm-again-${id}`, 'completed');
    expect(sink.to(email)).toHaveLength(1);

    // An hour later it may go again.
    await db.query(`UPDATE subscribers SET last_confirmation_sent_at = now() - interval '61 minutes' WHERE id = $1`, [
      id,
    ]);
    await expect(mails.sendConfirmation(id, [morning])).resolves.toMatchObject({ status: 'sent' });
    expect(sink.to(email)).toHaveLength(2);
  });

  it('lets only one of several simultaneous confirmation sends through', async () => {
    const email = 'race@example.net';
    const id = await reader(email, 'pending', [morning]);
    const outcomes = await Promise.all([1, 2, 3].map(() => mails.sendConfirmation(id, [morning])));
    expect(outcomes.filter((o) => o.status === 'sent')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'skipped')).toHaveLength(2);
    expect(sink.to(email)).toHaveLength(1);
  });

  it('retries a confirmation refused with 421 and delivers it once, with the same Message-ID', async () => {
    const email = 'busy-server@example.net';
    const id = await reader(email, 'pending', [morning]);
    sink.answers.push({ code: 421, message: 'Too busy, try later' });
    await jobs.add('send-confirmation', { subscriberId: id, newsletterIds: [morning] }, { jobId: `confirm-421-${id}` });
    const job = await waitForJob(`confirm-421-${id}`, 'completed');
    expect(job.attemptsMade).toBe(2);
    const received = sink.to(email);
    expect(received).toHaveLength(1);
    // Derived from the job id alone, so every attempt of the job carries this same Message-ID.
    const expected = worker.get(MailHeaders).messageId('confirm', id, `confirm-421-${id}`);
    expect(received[0].parsed.messageId).toBe(expected);
    expect(job.returnvalue).toEqual({ status: 'sent', messageId: expected });
  });

  it('sends a batch of confirmations; a refused address does not stop the others and a 421 retries only its own', async () => {
    const emails = ['batch-a@example.net', 'batch-b@example.net', 'batch-c@example.net'];
    const ids = await Promise.all(emails.map((email) => reader(email, 'pending', [morning])));
    // The batch's first two messages, whichever readers they are for: one refused for good, one for now.
    sink.answers.push({ code: 550, message: 'No such user' }, { code: 421, message: 'Too busy, try later' });
    await jobs.add(
      'send-confirmations',
      { readers: ids.map((subscriberId) => ({ subscriberId, newsletterIds: [morning] })) },
      { jobId: 'confirm-batch-1' },
    );
    const job = await waitForJob('confirm-batch-1', 'completed');
    expect(job.attemptsMade).toBe(2);
    // The retry mailed the one that met the 421; the one already mailed and the refused one were left alone.
    expect(job.returnvalue).toEqual({ sent: 1, skipped: 2, refused: 0 });
    const received = emails.map((email) => sink.to(email).length).sort();
    expect(received).toEqual([0, 1, 1]);
    for (const [i, email] of emails.entries()) {
      for (const mail of sink.to(email)) {
        const messageId = worker.get(MailHeaders).messageId('confirm', ids[i], `confirm-batch-1-${ids[i]}`);
        expect(mail.parsed.messageId).toBe(messageId);
      }
    }
  });

  it('does not retry a permanent refusal (550)', async () => {
    const email = 'no-such-user@example.net';
    const id = await reader(email, 'active', [morning]);
    sink.answers.push({ code: 550, message: 'No such user' });
    await jobs.add('send-data-export', { subscriberId: id }, { jobId: `export-550-${id}` });
    const job = await waitForJob(`export-550-${id}`, 'failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toContain('550');
    expect(job.failedReason).not.toContain(email);
    expect(sink.to(email)).toHaveLength(0);
  });

  it('welcomes by name, escaped in HTML and raw in text, with the newsletter List-Id', async () => {
    const email = 'welcome@example.net';
    const id = await reader(email, 'active', [morning], '<script>alert("x")</script> Zoë\r\nBcc: victim@example.org');
    await jobs.add('send-welcome', { subscriberId: id, newsletterIds: [morning] }, { jobId: `welcome-${id}` });
    const [mail] = await sink.waitForMailTo(email);
    expect(mail.parsed.subject).toBe('Welcome to Morning Briefing');
    expect(mail.parsed.html).not.toContain('<script>');
    expect(mail.parsed.html).toContain('Hi &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Zoë');
    expect(mail.parsed.text).toMatch(/Hi <script>alert\("x"\)<\/script> Zoë\r?\nBcc: victim@example\.org,/);
    expect(mail.parsed.headers.has('bcc')).toBe(false);
    expect(mail.envelopeTo).toEqual([email]);
    expect(mail.parsed.to).toMatchObject({
      value: [{ name: '<script>alert("x")</script> Zoë Bcc: victim@example.org' }],
    });
    expectSubscriberHeaders(mail, '"Morning Briefing" <morning-briefing.localhost>', id, morning);
    expect(tokens.verify(linkIn(mail, '/preferences'), 'preferences')).toMatchObject({ subscriberId: id });
  });

  it('confirms an unsubscribe and sends the data-export link', async () => {
    const email = 'leaving@example.net';
    const id = await reader(email, 'active', [morning], 'Lea');
    await db.query(`UPDATE subscriptions SET status = 'unsubscribed' WHERE subscriber_id = $1`, [id]);
    await expect(mails.sendUnsubscribed(id, morning)).resolves.toMatchObject({ status: 'sent' });
    await expect(mails.sendDataExport(id)).resolves.toMatchObject({ status: 'sent' });
    const [bye, data] = await sink.waitForMailTo(email, 2);
    expect(bye.parsed.subject).toBe('You have been unsubscribed from Morning Briefing');
    expectSubscriberHeaders(bye, '"Morning Briefing" <morning-briefing.localhost>', id, 'all');
    expect(data.parsed.subject).toBe('Your data export is ready');
    expect(tokens.verify(linkIn(data, '/preferences/export'), 'export')).toMatchObject({ subscriberId: id });
    expectSubscriberHeaders(data, '"All newsletters" <all.localhost>', id, 'all');
  });

  it('skips suppressed, erased and unknown readers, and confirmations with nothing pending', async () => {
    const suppressed = await reader('bounced@example.net', 'active', [morning]);
    await worker.get(SuppressionService).suppress('Bounced@Example.net', 'hard_bounce');
    await expect(mails.sendWelcome(suppressed, [morning])).resolves.toEqual({
      status: 'skipped',
      reason: 'suppressed',
    });
    await expect(mails.sendConfirmation(suppressed, [morning])).resolves.toEqual({
      status: 'skipped',
      reason: 'suppressed',
    });

    const erased = await reader('erased@example.net', 'active', [morning]);
    await db.query(`UPDATE subscribers SET email = NULL, name = NULL, status = 'erased' WHERE id = $1`, [erased]);
    await expect(mails.sendDataExport(erased)).resolves.toEqual({ status: 'skipped', reason: 'gone' });
    await expect(mails.sendDataExport('00000000-0000-4000-8000-000000000000')).resolves.toEqual({
      status: 'skipped',
      reason: 'gone',
    });

    const confirmed = await reader('already@example.net', 'active', [morning]);
    await expect(mails.sendConfirmation(confirmed, [morning])).resolves.toEqual({
      status: 'skipped',
      reason: 'nothing-to-send',
    });
    expect(sink.to('bounced@example.net')).toHaveLength(0);
    expect(sink.to('already@example.net')).toHaveLength(0);
  });
});
