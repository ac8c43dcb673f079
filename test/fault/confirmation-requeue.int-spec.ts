import { INestApplicationContext } from '@nestjs/common';
import { Pool } from 'pg';
import { emailHash } from '@app/common';
import { JobQueue, QueueName } from '@app/queues';
import type { RunningApi } from '../helpers/api-app';
import { PrivateRedis } from '../helpers/private-services';
import { SmtpSink } from '../helpers/smtp-sink';
import { SuiteStack } from '../helpers/suite-stack';
import { TestEnv, waitFor } from '../helpers/test-env';
import { startWorker } from '../helpers/worker-app';

/**
 * A sign-up is committed before its confirmation job is queued. When Redis fails in between
 * the reader is answered 503 but the rows stay: the maintenance requeue finds them and the
 * confirmation mail goes out after all, once. Retries of the same sign-up are one consent event.
 */
describe('fault: a confirmation lost to a Redis outage is sent by the maintenance requeue', () => {
  let redis: PrivateRedis;
  let stack: SuiteStack<SmtpSink>;
  let sink: SmtpSink;
  let env: TestEnv;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let db: Pool;
  let newsletterId: string;

  beforeAll(async () => {
    redis = await PrivateRedis.create();
    stack = await SuiteStack.start('fault_confirm_requeue', {
      mail: () => new SmtpSink().start(),
      env: {
        REDIS_URL: redis.url,
        RECONCILE_INTERVAL_SECONDS: '1',
        // The sign-up limit counts in Redis: off, so the request gets as far as the enqueue.
        SUBSCRIBE_RATE_LIMIT: '0',
      },
      api: true,
    });
    ({ mail: sink, env, api, db } = stack);
    ({
      rows: [{ id: newsletterId }],
    } = await db.query(`INSERT INTO newsletters (slug, name) VALUES ('morning', 'Morning Briefing') RETURNING id`));
  }, 60000);
  afterAll(async () => {
    // Started by the test itself, once Redis is back.
    await worker?.close();
    await stack?.close();
    await redis?.stop();
  });

  const subscribe = (email: string) =>
    fetch(`${api.baseUrl}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'retrying-client/1.0' },
      body: JSON.stringify({ email, newsletters: ['morning'], consent: true }),
    });

  /** Runs one maintenance job through the worker and returns what it answered. */
  async function runMaintenance(id: string): Promise<unknown> {
    const queue = worker.get(JobQueue).queue(QueueName.maintenance);
    await worker.get(JobQueue).add('requeue-confirmations', {}, { jobId: id });
    await waitFor(async () => (await queue.getJobState(id)) === 'completed', 15000, `maintenance job ${id}`);
    return (await queue.getJob(id))?.returnvalue;
  }

  /** A reader in a given state, written straight to the database. */
  async function reader(
    email: string | null,
    state: { status?: string; subscription: string; minutesAgo: number; confirmationSentMinutesAgo?: number },
  ): Promise<void> {
    const {
      rows: [{ id }],
    } = await db.query(
      `INSERT INTO subscribers (email, status, last_confirmation_sent_at)
       VALUES ($1, $2, now() - make_interval(mins => $3::int)) RETURNING id`,
      [email, state.status ?? 'active', state.confirmationSentMinutesAgo ?? null],
    );
    await db.query(
      `INSERT INTO subscriptions (subscriber_id, newsletter_id, status, created_at)
       VALUES ($1, $2, $3, now() - make_interval(mins => $4::int))`,
      [id, newsletterId, state.subscription, state.minutesAgo],
    );
  }

  it('the sign-up is answered 503 and kept, its retries recorded once, and the requeue mails it exactly once', async () => {
    await redis.stop();
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const res = await subscribe('patient@example.com');
        expect(res.status).toBe(503);
      }
    } finally {
      await redis.start();
    }
    const { rows: kept } = await db.query(
      `SELECT x.status, s.last_confirmation_sent_at,
              (SELECT count(*)::int FROM consent_events e WHERE e.subscriber_id = s.id) AS events
       FROM subscribers s JOIN subscriptions x ON x.subscriber_id = s.id WHERE s.email = 'patient@example.com'`,
    );
    expect(kept).toEqual([{ status: 'pending', last_confirmation_sent_at: null, events: 1 }]);

    // Time passes: the requeue leaves sign-ups of the last two minutes to the API's own enqueue.
    await db.query(`UPDATE subscriptions SET created_at = now() - interval '10 minutes'`);
    // Readers the requeue must leave alone.
    await reader('fresh@example.com', { subscription: 'pending', minutesAgo: 0 });
    await reader('already.sent@example.com', {
      subscription: 'pending',
      minutesAgo: 10,
      confirmationSentMinutesAgo: 9,
    });
    await reader(null, { status: 'erased', subscription: 'pending', minutesAgo: 10 });
    await reader('suppressed@example.com', { subscription: 'pending', minutesAgo: 10 });
    await db.query(`INSERT INTO suppressions (email_hash, reason) VALUES ($1, 'complaint')`, [
      emailHash('suppressed@example.com', env.appSecret),
    ]);
    await reader('weeks.ago@example.com', { subscription: 'pending', minutesAgo: 14 * 24 * 60 });
    await reader('imported@example.com', { subscription: 'active', minutesAgo: 10 });

    worker = await startWorker();
    // Two runs racing the mail: the second finds the reader again (same job id) or already mailed.
    const [first, second] = await Promise.all([runMaintenance('requeue-a'), runMaintenance('requeue-b')]);
    expect(first).toEqual({ requeued: 1 });
    expect([{ requeued: 0 }, { requeued: 1 }]).toContainEqual(second);
    const [mail] = await sink.waitForMailTo('patient@example.com');
    expect(mail.parsed.subject).toMatch(/confirm/i);

    // Sent now: a later run finds nobody, and nobody else was mailed.
    expect(await runMaintenance('requeue-c')).toEqual({ requeued: 0 });
    const transactional = worker.get(JobQueue).queue(QueueName.transactional);
    await waitFor(
      async () => Object.values(await transactional.getJobCounts('waiting', 'active', 'delayed')).every((n) => n === 0),
      15000,
      'the transactional queue to drain',
    );
    expect(sink.messages.map((m) => m.envelopeTo)).toEqual([['patient@example.com']]);
  });

  it('the requeue schedule comes back after Redis restarts empty', async () => {
    const maintenance = worker.get(JobQueue).queue(QueueName.maintenance);
    expect(await maintenance.getJobScheduler('requeue-confirmations')).toMatchObject({ pattern: '*/5 * * * *' });
    await redis.restartEmpty();
    // Each install that meets Redis still coming back is redone by the next check (every
    // second here), so the two come back in either order: wait for both.
    const patterns = async () =>
      Promise.all(
        ['requeue-confirmations', 'purge-unconfirmed'].map(
          async (id) => (await maintenance.getJobScheduler(id))?.pattern,
        ),
      );
    await waitFor(async () => (await patterns()).every(Boolean), 20000, 'the maintenance schedulers to be reinstalled');
    expect(await patterns()).toEqual(['*/5 * * * *', '17 * * * *']);
  });
});
