import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { JobQueue, QueueName } from '@app/queues';
import { createTestEnv, TestEnv, waitFor } from '../helpers/test-env';
import { startWorker } from '../helpers/worker-app';

/** Unconfirmed sign-ups expire: the worker's scheduled purge deletes them after 30 days. */
describe('maintenance: purge of unconfirmed sign-ups', () => {
  let env: TestEnv;
  let workers: INestApplicationContext[] = [];
  let db: DataSource;
  let newsletterId: string;

  beforeAll(async () => {
    env = await createTestEnv('subscriptions_maintenance');
    // Two workers booting side by side, as in production.
    workers = await Promise.all([startWorker(), startWorker()]);
    db = workers[0].get(DataSource);
    [{ id: newsletterId }] = await db.query(
      `INSERT INTO newsletters (slug, name) VALUES ('daily', 'Daily') RETURNING id`,
    );
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await env?.cleanup();
  });

  it('installs one hourly purge scheduler, however many workers start', async () => {
    const schedulers = await workers[0].get(JobQueue).queue(QueueName.maintenance).getJobSchedulers();
    expect(schedulers.filter((s) => s.key === 'purge-unconfirmed')).toEqual([
      expect.objectContaining({ name: 'purge-unconfirmed', pattern: '17 * * * *' }),
    ]);
  });

  it('deletes sign-ups unconfirmed for 30 days, and readers left with nothing, keeping the rest', async () => {
    const [{ id: other }] = await db.query(
      `INSERT INTO newsletters (slug, name) VALUES ('weekly', 'Weekly') RETURNING id`,
    );
    const expired = await reader('expired@example.com', [[newsletterId, 'pending', 31]]);
    const mixed = await reader('mixed@example.com', [
      [newsletterId, 'active', 90],
      [other, 'pending', 45],
    ]);
    const recent = await reader('recent@example.com', [[newsletterId, 'pending', 29]]);
    const left = await reader('left@example.com', [[newsletterId, 'unsubscribed', 60]]);

    await workers[0].get(JobQueue).add('purge-unconfirmed', {}, { jobId: `purge-test-${Date.now()}` });
    await waitFor(async () => (await db.query(`SELECT 1 FROM subscribers WHERE id = $1`, [expired])).length === 0);

    expect(await db.query(`SELECT 1 FROM consent_events WHERE subscriber_id = $1`, [expired])).toEqual([]);
    expect(await statuses(mixed)).toEqual(['active']);
    expect(await statuses(recent)).toEqual(['pending']);
    expect(await statuses(left)).toEqual(['unsubscribed']);
  });

  async function reader(email: string, subs: Array<[string, string, number]>): Promise<string> {
    const [{ id }] = await db.query(`INSERT INTO subscribers (email) VALUES ($1) RETURNING id`, [email]);
    await db.query(`INSERT INTO consent_events (subscriber_id, action, newsletters) VALUES ($1, 'subscribe', '{}')`, [
      id,
    ]);
    for (const [newsletter, status, daysAgo] of subs) {
      await db.query(
        `INSERT INTO subscriptions (subscriber_id, newsletter_id, status, created_at) VALUES ($1, $2, $3, now() - make_interval(days => $4))`,
        [id, newsletter, status, daysAgo],
      );
    }
    return id as string;
  }

  async function statuses(subscriberId: string): Promise<string[]> {
    const rows = await db.query(`SELECT status FROM subscriptions WHERE subscriber_id = $1 ORDER BY status`, [
      subscriberId,
    ]);
    return rows.map((r: { status: string }) => r.status);
  }
});
