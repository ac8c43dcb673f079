import { EventEmitter } from 'node:events';
import { Pool } from 'pg';
import { RunningApi, startApi } from '../helpers/api-app';
import { SmtpSink } from '../helpers/smtp-sink';
import { createTestEnv, deleteRedisKeys, TestEnv, waitFor } from '../helpers/test-env';
import { WorkerProcess } from '../helpers/worker-process';
import { issueRow, readersOf, seedArticles, seedNewsletter, seedSubscribers, testDb } from './digest-fixtures';

const SEND_CONCURRENCY = 4;

/**
 * Real worker processes (apps/worker/src/main.ts) sending to the SMTP sink while they
 * are killed, Redis loses its keys, or they are asked to stop.
 */
describe('exactly-once delivery through a flushed Redis and a SIGTERM', () => {
  let env: TestEnv;
  let sink: SmtpSink;
  let api: RunningApi;
  let db: Pool;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    // A worker killed mid-conversation resets its SMTP socket; smtp-server reports that as an
    // 'error' event, which must not crash the test process.
    (sink as unknown as { server: EventEmitter }).server.on('error', () => undefined);
    env = await createTestEnv('digest_flush', {
      SMTP_URL: sink.url,
      SEND_CONCURRENCY: String(SEND_CONCURRENCY),
      // Slow enough that a send is still going when the test interferes with it.
      SEND_RATE_PER_SECOND: '150',
      RECONCILE_INTERVAL_SECONDS: '2',
    });
    db = testDb(env.databaseUrl);
    api = await startApi();
    workers.push(...(await Promise.all([WorkerProcess.start(), WorkerProcess.start()])));
  }, 120000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.ensureStopped()));
    await api?.close();
    await sink?.stop();
    await db?.end();
    await env?.cleanup();
  });

  beforeEach(() => {
    sink.messages.length = 0;
  });

  /** A newsletter with `readers` subscribers and one article, and an issue of it started over HTTP. */
  async function startIssue(slug: string, readers: number): Promise<{ issueId: string; newsletterId: string }> {
    const newsletterId = await seedNewsletter(db, { slug, topics: [slug] });
    await seedSubscribers(db, newsletterId, readers, slug);
    await seedArticles(db, [{ title: `News for ${slug}`, topics: [slug] }]);
    const res = await fetch(`${api.baseUrl}/admin/newsletters/${slug}/issues`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.adminToken}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(202);
    return { issueId: ((await res.json()) as { id: string }).id, newsletterId };
  }

  /** Messages received per reader of the newsletter (0 for readers who got nothing). */
  async function copiesPerReader(newsletterId: string): Promise<Map<string, number>> {
    const copies = new Map([...(await readersOf(db, newsletterId)).keys()].map((email) => [email, 0]));
    for (const mail of sink.messages) {
      const email = mail.envelopeTo[0].toLowerCase();
      if (copies.has(email)) copies.set(email, copies.get(email)! + 1);
    }
    return copies;
  }

  const sentAll = (issueId: string) => async () => (await issueRow(db, issueId)).status === 'sent';

  it('a Redis that loses every key mid-send is rebuilt from Postgres: nobody missing, nobody twice', async () => {
    const { issueId, newsletterId } = await startIssue('flushed', 900);
    await sink.waitForCount(200, 20000);
    // Only this suite's keys: the Redis is shared with other test runs.
    await deleteRedisKeys(env.redisUrl, env.queuePrefix);
    expect(sink.messages.length).toBeLessThan(900);

    await waitFor(sentAll(issueId), 60000, 'the issue to be sent after the flush');
    const copies = [...(await copiesPerReader(newsletterId)).values()];
    expect(copies).toHaveLength(900);
    expect(copies.every((n) => n === 1)).toBe(true);
    expect(await issueRow(db, issueId)).toMatchObject({ recipients: 900, sent: 900 });
  });

  it('SIGTERM: a worker finishes what it holds and exits 0; the other carries on, nobody gets two', async () => {
    const { issueId, newsletterId } = await startIssue('drained', 600);
    await sink.waitForCount(100, 20000);
    expect(await workers[1].stop('SIGTERM')).toEqual({ code: 0, signal: null });

    await waitFor(sentAll(issueId), 40000, 'the issue to be sent');
    const copies = [...(await copiesPerReader(newsletterId)).values()];
    expect(copies).toHaveLength(600);
    expect(copies.every((n) => n === 1)).toBe(true);
  });
});
