import { INestApplicationContext } from '@nestjs/common';
import { Pool } from 'pg';
import { IssueService } from '@app/digests';
import type { RunningApi } from '../helpers/api-app';
import { PrivateRedis } from '../helpers/private-services';
import { SuiteStack } from '../helpers/suite-stack';
import { waitFor } from '../helpers/test-env';
import {
  deliveryCounts,
  issueRow,
  readerAddresses,
  seedIssueAudience,
  waitForIssueSent,
} from '../digests/digest-fixtures';
import { FaultySmtpServer } from './faulty-smtp';

const READERS = 200;

/**
 * Redis (a private redis-server of this test, without persistence) is restarted empty in
 * the middle of a send: every queued job, lock and scheduler is gone. PostgreSQL holds the
 * truth, so the reconciler rebuilds the work: nobody is missed and nobody gets two copies.
 * While Redis is down, sign-ups answer 503 and leave nothing behind.
 */
describe('fault: Redis restarted empty mid-send', () => {
  let redis: PrivateRedis;
  let stack: SuiteStack<FaultySmtpServer>;
  let smtp: FaultySmtpServer;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let db: Pool;

  beforeAll(async () => {
    redis = await PrivateRedis.create();
    stack = await SuiteStack.start('fault_redis', {
      mail: () => new FaultySmtpServer().start(),
      env: {
        REDIS_URL: redis.url,
        SEND_CONCURRENCY: '4',
        SEND_RATE_PER_SECOND: '80',
        RECONCILE_INTERVAL_SECONDS: '1',
        SUBSCRIBE_RATE_LIMIT: '100',
      },
      api: true,
      worker: 'in-process',
    });
    ({ mail: smtp, api, worker, db } = stack);
  }, 60000);
  afterAll(async () => {
    await stack?.close();
    await redis?.stop();
  });

  it('a send survives a Redis restart: every reader exactly once', async () => {
    const newsletterId = await seedIssueAudience(db, 'flushed', READERS);
    const issueId = await worker.get(IssueService).createNow('flushed');
    await smtp.waitForDelivered(40);
    await redis.restartEmpty();
    expect(smtp.delivered.length).toBeLessThan(READERS);
    await waitForIssueSent(db, issueId, 90000);

    const copies = smtp.copiesPerRecipient();
    expect([...copies.keys()].sort()).toEqual(await readerAddresses(db, newsletterId));
    expect([...copies.values()].filter((c) => c.length > 1)).toEqual([]);
    expect(smtp.delivered).toHaveLength(READERS);
    expect(await deliveryCounts(db, issueId)).toEqual({ sent: READERS });
    expect(await issueRow(db, issueId)).toMatchObject({ status: 'sent', recipients: READERS, sent: READERS });
  });

  it('sign-ups while Redis is down: 503 JSON, nothing stored; the retry afterwards gets one confirmation mail', async () => {
    smtp.delivered.length = 0;
    await db.query(`INSERT INTO newsletters (slug, name) VALUES ('morning', 'Morning Briefing')`);
    const subscribe = () =>
      fetch(`${api.baseUrl}/subscriptions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'patient@example.com', newsletters: ['morning'], consent: true }),
      });
    await redis.stop();
    try {
      const res = await subscribe();
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ statusCode: 503 });
      expect((await db.query(`SELECT 1 FROM subscribers WHERE email = 'patient@example.com'`)).rowCount).toBe(0);
    } finally {
      await redis.start();
    }
    await waitFor(async () => (await fetch(`${api.baseUrl}/health/ready`)).status === 200, 20000, 'Redis to be back');
    await waitFor(async () => (await subscribe()).status === 202, 20000, 'sign-ups to work again');
    // Nothing twice: one reader, one pending subscription, one confirmation mail.
    await smtp.waitForDelivered(1);
    const { rows } = await db.query(
      `SELECT x.status FROM subscriptions x JOIN subscribers s ON s.id = x.subscriber_id WHERE s.email = 'patient@example.com'`,
    );
    expect(rows).toEqual([{ status: 'pending' }]);
    expect((await subscribe()).status).toBe(202);
    expect(smtp.delivered.map((d) => d.to)).toEqual(['patient@example.com']);
  });
});
