import { INestApplicationContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import { IssueService } from '@app/digests';
import { ALL_NEWSLETTERS } from '@app/subscriptions';
import type { RunningApi } from '../helpers/api-app';
import { PrivatePostgres } from '../helpers/private-services';
import { SuiteStack } from '../helpers/suite-stack';
import { waitFor } from '../helpers/test-env';
import {
  deliveryCounts,
  issueRow,
  readerAddresses,
  seedIssueAudience,
  tokenService,
  waitForIssueSent,
} from '../digests/digest-fixtures';
import { signBody } from '../trust/trust-helpers';
import { FaultySmtpServer } from './faulty-smtp';

const SEND_CONCURRENCY = 4;
const READERS = 150;

/**
 * PostgreSQL (a private cluster of this test, never the machine's) stops while readers
 * sign up and while an issue is being sent. The API answers 503 with a JSON error,
 * nothing is half-written, and everything resumes when the database returns.
 */
describe('fault: PostgreSQL stopped during sign-ups and during a send', () => {
  let pg: PrivatePostgres;
  let stack: SuiteStack<FaultySmtpServer>;
  let smtp: FaultySmtpServer;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let db: Pool;

  beforeAll(async () => {
    pg = await PrivatePostgres.create();
    stack = await SuiteStack.start('fault_pg', {
      mail: () => new FaultySmtpServer().start(),
      databaseUrl: pg.url('dispatch_fault_pg'),
      env: {
        SEND_CONCURRENCY: String(SEND_CONCURRENCY),
        SEND_RATE_PER_SECOND: '60',
        RECONCILE_INTERVAL_SECONDS: '2',
      },
      api: true,
      worker: 'in-process',
    });
    ({ mail: smtp, api, worker, db } = stack);
  }, 60000);
  afterAll(async () => {
    await stack?.close();
    await pg?.destroy();
  });

  const subscribe = (email: string) =>
    fetch(`${api.baseUrl}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, newsletters: ['morning'], consent: true }),
    });
  const rowsFor = async (email: string) => {
    const { rows } = await db.query(
      `SELECT (SELECT count(*)::int FROM subscriptions x WHERE x.subscriber_id = s.id) AS subscriptions,
              (SELECT count(*)::int FROM consent_events e WHERE e.subscriber_id = s.id) AS events
       FROM subscribers s WHERE s.email = $1`,
      [email],
    );
    return rows[0] ?? null;
  };
  const expectUnavailable = async (res: Response) => {
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await res.json()).toMatchObject({ statusCode: 503, message: expect.any(String) });
  };

  it('sign-ups: 503 JSON while it is down, no half-written sign-up, and back to normal when it returns', async () => {
    await db.query(`INSERT INTO newsletters (slug, name) VALUES ('morning', 'Morning Briefing')`);
    expect((await subscribe('before@example.com')).status).toBe(202);

    // Hold a lock so the next sign-up's statement waits on the subscriptions table, then
    // stop the database under it.
    const locker = new Client({ connectionString: pg.url('dispatch_fault_pg') });
    locker.on('error', () => undefined);
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE subscriptions IN ACCESS EXCLUSIVE MODE');
    const midway = subscribe('midway@example.com');
    await waitFor(
      async () =>
        // From another connection: inside a transaction, pg_stat_activity is a frozen snapshot.
        // Known by the start of its text (pg_stat_activity keeps a query's first 1 kB only, and the
        // worker's maintenance may wait on the same lock): the sign-up statement reads jsonb_to_recordset.
        (
          await db.query(
            `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%jsonb_to_recordset%'`,
          )
        ).rowCount === 1,
      10000,
      'the sign-up to wait on the lock',
    );
    // A crash, not a polite shutdown: no backend gets to finish what it was doing.
    await pg.stop('immediate');
    try {
      await expectUnavailable(await midway);
      await locker.end().catch(() => undefined);

      // While it is down: sign-ups, provider webhooks and operator reads all answer 503 JSON.
      await expectUnavailable(await subscribe('during@example.com'));
      const hook = JSON.stringify({ type: 'complaint', email: 'x@example.com', at: new Date().toISOString() });
      await expectUnavailable(
        await fetch(`${api.baseUrl}/webhooks/events`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-dispatch-signature': signBody(hook, 'test-webhook-secret-0123456789'),
          },
          body: hook,
        }),
      );
      // A reader opening a link from a mail gets the hosted "try again" page, still a 503.
      const confirmToken = tokenService(stack.env.appSecret).sign({
        subscriberId: randomUUID(),
        newsletterId: ALL_NEWSLETTERS,
        purpose: 'confirm',
      });
      const page = await fetch(`${api.baseUrl}/confirm?token=${encodeURIComponent(confirmToken)}`, {
        headers: { accept: 'text/html' },
      });
      expect([page.status, page.headers.get('content-type'), page.headers.get('retry-after')]).toEqual([
        503,
        expect.stringMatching(/^text\/html/),
        expect.stringMatching(/^\d+$/),
      ]);
      expect(await page.text()).toContain('Please try again shortly');
      // What validation refuses never needs the database: a slug or id that cannot exist is 404, not 503.
      for (const path of ['/forms/%00', '/archive/%00', '/archive/%00/feed.xml', '/issues/not-an-id/x']) {
        expect([path, (await fetch(`${api.baseUrl}${path}`)).status]).toEqual([path, 404]);
      }
      const operator = { authorization: 'Bearer test-admin-token-0123456789', 'content-type': 'application/json' };
      for (const [method, path] of [
        ['PATCH', '/admin/newsletters/%00'],
        ['POST', '/admin/newsletters/%00/issues'],
      ]) {
        const res = await fetch(`${api.baseUrl}${path}`, { method, headers: operator, body: '{}' });
        expect([path, res.status]).toEqual([path, 404]);
      }
      await expectUnavailable(
        await fetch(`${api.baseUrl}/admin/subscribers/00000000-0000-4000-8000-000000000000/export`, {
          headers: { authorization: 'Bearer test-admin-token-0123456789' },
        }),
      );
    } finally {
      await pg.start();
    }
    await waitFor(async () => (await subscribe('after@example.com')).status === 202, 20000, 'sign-ups to work again');

    // Nothing half-written: the interrupted and refused sign-ups left no row at all.
    expect(await rowsFor('midway@example.com')).toBeNull();
    expect(await rowsFor('during@example.com')).toBeNull();
    for (const email of ['before@example.com', 'after@example.com']) {
      expect(await rowsFor(email)).toEqual({ subscriptions: 1, events: 1 });
    }
    // The reader who got a 503 retries: stored once, confirmed by one mail.
    expect((await subscribe('midway@example.com')).status).toBe(202);
    expect(await rowsFor('midway@example.com')).toEqual({ subscriptions: 1, events: 1 });
    await smtp.waitForDelivered(3);
    const copies = smtp.copiesPerRecipient();
    expect([...copies.keys()].sort()).toEqual(['after@example.com', 'before@example.com', 'midway@example.com']);
    expect([...copies.values()].every((c) => c.length === 1)).toBe(true);
  });

  it('a send: stopped mid-way, it resumes when the database returns; nobody is missing', async () => {
    smtp.delivered.length = 0;
    const newsletterId = await seedIssueAudience(db, 'pgsend', READERS);
    const issueId = await worker.get(IssueService).createNow('pgsend');
    await smtp.waitForDelivered(30);
    await pg.stop();
    const sentBeforeOutage = smtp.delivered.length;
    expect(sentBeforeOutage).toBeLessThan(READERS);
    await pg.start();
    await waitForIssueSent(db, issueId, 90000);

    const copies = smtp.copiesPerRecipient();
    expect([...copies.keys()].sort()).toEqual(await readerAddresses(db, newsletterId));
    // A message accepted by the mail server just as the database went away could not be
    // marked sent, so it is sent again: the same message (same Message-ID), and at most one
    // per send that was in flight (two per SMTP connection).
    const twice = [...copies.values()].filter((c) => c.length > 1);
    expect(twice.length).toBeLessThanOrEqual(2 * SEND_CONCURRENCY);
    for (const c of twice) expect(new Set(c.map((d) => d.messageId)).size).toBe(1);
    expect(await deliveryCounts(db, issueId)).toEqual({ sent: READERS });
    expect(await issueRow(db, issueId)).toMatchObject({ status: 'sent', sent: READERS, failed: 0 });
  });
});
