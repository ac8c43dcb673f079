import { INestApplicationContext } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { IssueService } from '@app/digests';
import { SmtpSink } from '../helpers/smtp-sink';
import { createTestEnv, TestEnv, waitFor } from '../helpers/test-env';
import { RunningApi, startApi } from '../helpers/api-app';
import { startWorker } from '../helpers/worker-app';
import { postWebhook, Seeder } from './trust-helpers';

const SECRET = 'test-webhook-secret-0123456789';
const ADMIN = { authorization: 'Bearer test-admin-token-0123456789' };

/**
 * The whole loop, as a provider and readers would drive it: a digest goes out,
 * the provider reports a bounce and a complaint, and from then on the addresses
 * get nothing (next digest, confirmation after re-subscribing, receipts) until an
 * operator lifts the suppression. Erased readers stay suppressed too.
 */
describe('suppression end to end (API, worker, SMTP sink)', () => {
  let env: TestEnv;
  let sink: SmtpSink;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let db: DataSource;
  let seed: Seeder;
  let issues: IssueService;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    env = await createTestEnv('trust_suppression', { SMTP_URL: sink.url });
    api = await startApi();
    worker = await startWorker();
    db = api.app.get(DataSource);
    issues = worker.get(IssueService);
    seed = new Seeder(db);
    ids.markets = await seed.newsletter('markets', 'Markets Morning');
    await db.query(`UPDATE newsletters SET topics = '{markets}' WHERE id = $1`, [ids.markets]);
    ids.sport = await seed.newsletter('sport', 'Sport Weekly');
    for (const reader of ['bouncer', 'complainer', 'keeper', 'leaver']) {
      ids[reader] = await seed.subscriber(`${reader}@example.com`);
      await seed.subscription(ids[reader], ids.markets);
    }
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await sink?.stop();
    await env?.cleanup();
  });

  const article = (title: string) =>
    db.query(
      `INSERT INTO articles (url, title, body, body_text, summary, topics, published_at)
       VALUES ($1, $2, $2, $2, $2, '{markets}', now() - interval '5 minutes')`,
      [`https://news.example.com/${encodeURIComponent(title)}`, title],
    );
  const sendIssue = async (title: string) => {
    await article(title);
    const issueId = await issues.createNow('markets');
    await waitFor(
      async () => (await db.query(`SELECT status FROM issues WHERE id = $1`, [issueId]))[0].status === 'sent',
      30000,
      `issue "${title}" sent`,
    );
    return issueId;
  };
  const mailsTo = (email: string) => sink.to(email).map((m) => m.parsed.subject ?? '');
  const subscribe = (email: string, newsletters: string[]) =>
    fetch(`${api.baseUrl}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, newsletters, consent: true }),
    });
  /** The reader's own List-Unsubscribe link from the first digest, pointed at this test's API. */
  const unsubscribeLinks = new Map<string, string>();
  const unsubscribeLinkOf = async (reader: string) => unsubscribeLinks.get(reader)!;

  /** Queued jobs for a reader on the transactional queue, alone or in a batch (the suppressed must have none). */
  const transactionalJobsFor = async (subscriberId: string) => {
    const queue = api.app.get<Queue>(getQueueToken('transactional'));
    const jobs = await queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
    const readersOf = (data: { subscriberId?: string; readers?: Array<{ subscriberId: string }> }) =>
      data.readers?.map((r) => r.subscriberId) ?? [data.subscriberId];
    return jobs.filter((j) => readersOf(j.data as object).includes(subscriberId)).map((j) => j.name);
  };

  it('a bounce and a complaint reported after a digest keep both addresses out of the next digest', async () => {
    const first = await sendIssue('Bond yields climb');
    expect(sink.messages.map((m) => m.envelopeTo[0]).sort()).toEqual([
      'bouncer@example.com',
      'complainer@example.com',
      'keeper@example.com',
      'leaver@example.com',
    ]);
    for (const mail of sink.messages) {
      const reader = mail.envelopeTo[0].split('@')[0];
      const header = mail.parsed.headerLines.find((h) => h.key === 'list-unsubscribe')!.line;
      const token = new URL(/<([^>]+)>/.exec(header.replace(/\r?\n\s+/g, ''))![1]).searchParams.get('token')!;
      unsubscribeLinks.set(reader, `${api.baseUrl}/unsubscribe?token=${encodeURIComponent(token)}`);
    }
    const bounced = sink.to('bouncer@example.com')[0];
    const res = await postWebhook(
      api.baseUrl,
      [
        {
          type: 'hard_bounce',
          email: 'bouncer@example.com',
          messageId: bounced.parsed.messageId,
          at: new Date().toISOString(),
          reason: '550 5.1.1 <bouncer@example.com>: no such user',
        },
        { type: 'complaint', email: 'complainer@example.com', at: new Date().toISOString() },
      ],
      SECRET,
    );
    expect(await res.json()).toMatchObject({ recorded: 2, suppressed: 2 });
    const [delivery] = await db.query(`SELECT last_event FROM deliveries WHERE issue_id = $1 AND subscriber_id = $2`, [
      first,
      ids.bouncer,
    ]);
    expect(delivery.last_event).toBe('hard_bounce');

    sink.messages.length = 0;
    const second = await sendIssue('Oil slips');
    expect(sink.messages.map((m) => m.envelopeTo[0]).sort()).toEqual(['keeper@example.com', 'leaver@example.com']);
    const rows = await db.query(
      `SELECT s.email, d.status FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.issue_id = $1`,
      [second],
    );
    for (const row of rows) {
      if (['bouncer@example.com', 'complainer@example.com'].includes(row.email)) expect(row.status).not.toBe('sent');
    }
  });

  it('no confirmation mail after re-subscribing until an operator lifts the suppression', async () => {
    sink.messages.length = 0;
    // Re-subscribing looks the same from outside (no enumeration), but nothing is stored, queued or sent.
    expect((await subscribe('bouncer@example.com', ['sport'])).status).toBe(202);
    expect((await subscribe('sentinel@example.com', ['sport'])).status).toBe(202);
    await sink.waitForMailTo('sentinel@example.com');
    expect(mailsTo('bouncer@example.com')).toEqual([]);
    expect(await transactionalJobsFor(ids.bouncer)).toEqual([]);
    const pending = await db.query(`SELECT 1 FROM subscriptions WHERE subscriber_id = $1 AND newsletter_id = $2`, [
      ids.bouncer,
      ids.sport,
    ]);
    expect(pending).toEqual([]);

    const lift = () =>
      fetch(`${api.baseUrl}/admin/suppressions/${encodeURIComponent('Bouncer@Example.com')}`, {
        method: 'DELETE',
        headers: ADMIN,
      });
    expect((await lift()).status).toBe(204);
    expect((await lift()).status).toBe(404);
    expect((await subscribe('bouncer@example.com', ['sport'])).status).toBe(202);
    const [confirmation] = await sink.waitForMailTo('bouncer@example.com');
    expect(confirmation.parsed.subject).toMatch(/confirm/i);
  });

  it('a mail queued for a reader who is then suppressed is not sent (checked at send time)', async () => {
    sink.messages.length = 0;
    const oneClick = async (reader: string) => {
      const [active] = await db.query(`SELECT 1 FROM subscriptions WHERE subscriber_id = $1 AND status = 'active'`, [
        ids[reader],
      ]);
      expect(active).toBeDefined();
      const link = await unsubscribeLinkOf(reader);
      const res = await fetch(link, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(res.status).toBe(200);
    };
    // Both readers unsubscribe; each gets a receipt job, but only the unsuppressed one gets the mail.
    await oneClick('complainer');
    await oneClick('leaver');
    await sink.waitForMailTo('leaver@example.com');
    await waitFor(
      async () => {
        const queue = api.app.get<Queue>(getQueueToken('transactional'));
        const done = await queue.getJobs(['completed']);
        return done.some((j) => (j.data as { subscriberId?: string }).subscriberId === ids.complainer);
      },
      15000,
      "the complainer's receipt job to finish",
    );
    expect(mailsTo('complainer@example.com')).toEqual([]);
    const statuses = await db.query(`SELECT status FROM subscriptions WHERE subscriber_id = $1`, [ids.complainer]);
    expect(statuses).toEqual([{ status: 'unsubscribed' }]);
  });

  it('an erased reader cannot be re-subscribed or re-imported silently', async () => {
    sink.messages.length = 0;
    const erase = await fetch(`${api.baseUrl}/admin/subscribers/${ids.keeper}`, { method: 'DELETE', headers: ADMIN });
    expect(erase.status).toBe(200);
    expect((await subscribe('keeper@example.com', ['sport'])).status).toBe(202);
    const imported = await fetch(`${api.baseUrl}/admin/subscribers/import`, {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          email: 'KEEPER@example.com',
          newsletters: ['markets'],
          consentedAt: '2025-01-01T00:00:00Z',
          consentSource: 'old-platform',
        },
      ]),
    });
    expect(imported.status).toBe(200);
    expect(await imported.json()).toMatchObject({ imported: 0, skipped: 1 });
    expect(await db.query(`SELECT 1 FROM subscribers WHERE lower(email) = 'keeper@example.com'`)).toEqual([]);
    expect((await subscribe('sentinel2@example.com', ['sport'])).status).toBe(202);
    await sink.waitForMailTo('sentinel2@example.com');
    expect(mailsTo('keeper@example.com')).toEqual([]);
  });
});
