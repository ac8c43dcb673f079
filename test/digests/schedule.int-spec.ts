import { INestApplicationContext } from '@nestjs/common';
import { Pool } from 'pg';
import { IssueService, schedulerIdFor } from '@app/digests';
import { JobQueue, QueueName } from '@app/queues';
import { createTestEnv, TestEnv, waitFor } from '../helpers/test-env';
import { startWorker } from '../helpers/worker-app';
import { seedArticles, seedNewsletter } from './digest-fixtures';
import { testDb } from '../helpers/suite-stack';

describe('digest schedules and slots (two workers, real PostgreSQL and Redis)', () => {
  let env: TestEnv;
  let workers: INestApplicationContext[];
  let db: Pool;

  beforeAll(async () => {
    env = await createTestEnv('digest_schedule');
    db = testDb(env.databaseUrl);
    workers = [await startWorker(), await startWorker()];
  });

  afterAll(async () => {
    for (const w of workers ?? []) await w.close();
    await db?.end();
    await env?.cleanup();
  });

  const issuesOf = async (newsletterId: string) =>
    (
      await db.query<{ id: string; slot: Date | null; status: string }>(
        `SELECT id, slot, status FROM issues WHERE newsletter_id = $1 ORDER BY slot`,
        [newsletterId],
      )
    ).rows;

  it('creates exactly one issue for a slot that two workers race for', async () => {
    const newsletterId = await seedNewsletter(db, { slug: 'race', topics: ['race'] });
    await seedArticles(db, [{ title: 'Race story', topics: ['race'] }]);
    const slot = '2030-01-01T07:00:00.000Z';
    const digest = workers[0].get(JobQueue).queue(QueueName.digest);
    await digest.addBulk(
      Array.from({ length: 8 }, (_, i) => ({
        name: 'scheduled-issue',
        data: { newsletterId, slot },
        opts: { jobId: `race-slot-${i}` },
      })),
    );
    await waitFor(
      async () =>
        (await Promise.all([...Array(8).keys()].map((i) => digest.getJobState(`race-slot-${i}`)))).every(
          (s) => s === 'completed',
        ),
      20000,
      'every scheduled-issue job to complete',
    );

    const created = await issuesOf(newsletterId);
    expect(created).toHaveLength(1);
    expect(created[0].slot?.toISOString()).toBe(slot);

    // The same race straight at the service, from both workers at once.
    const otherSlot = new Date('2030-01-02T07:00:00Z');
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => workers[i % 2].get(IssueService).createForSlot(newsletterId, otherSlot)),
    );
    expect(results.filter((r) => r?.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r?.issueId)).size).toBe(1);
    expect(await issuesOf(newsletterId)).toHaveLength(2);
  });

  it('keeps one job scheduler per newsletter in step with the database, one issue per fired slot', async () => {
    const newsletterId = await seedNewsletter(db, { slug: 'ticking', topics: ['ticking'], schedule: '*/2 * * * * *' });
    const jobs = workers[0].get(JobQueue);
    const digest = jobs.queue(QueueName.digest);
    await jobs.add('sync-schedules', {}, { jobId: 'sync-test-1' });
    await waitFor(() => digest.getJobScheduler(schedulerIdFor(newsletterId)), 10000, 'the scheduler');
    expect(await digest.getJobScheduler(schedulerIdFor(newsletterId))).toMatchObject({
      pattern: '*/2 * * * * *',
      tz: 'UTC',
    });

    await waitFor(async () => (await issuesOf(newsletterId)).length >= 2, 15000, 'two scheduled issues');
    const slots = (await issuesOf(newsletterId)).map((i) => i.slot!.getTime());
    expect(new Set(slots).size).toBe(slots.length);
    for (const slot of slots) expect(slot % 2000).toBe(0);

    await db.query(`UPDATE newsletters SET schedule = '0 7 * * *', timezone = 'Europe/London' WHERE id = $1`, [
      newsletterId,
    ]);
    await jobs.add('sync-schedules', {}, { jobId: 'sync-test-2' });
    await waitFor(
      async () => (await digest.getJobScheduler(schedulerIdFor(newsletterId)))?.pattern === '0 7 * * *',
      10000,
      'the changed scheduler',
    );
    expect((await digest.getJobScheduler(schedulerIdFor(newsletterId)))?.tz).toBe('Europe/London');

    await db.query(`UPDATE newsletters SET active = false WHERE id = $1`, [newsletterId]);
    await jobs.add('sync-schedules', {}, { jobId: 'sync-test-3' });
    await waitFor(
      async () => (await digest.getJobScheduler(schedulerIdFor(newsletterId))) === undefined,
      10000,
      'the scheduler to be removed',
    );
  });
});
