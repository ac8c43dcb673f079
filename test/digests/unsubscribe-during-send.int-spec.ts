import { INestApplicationContext } from '@nestjs/common';
import { Pool } from 'pg';
import { IssueService } from '@app/digests';
import { RunningApi, startApi } from '../helpers/api-app';
import { SmtpSink } from '../helpers/smtp-sink';
import { createTestEnv, TestEnv, waitFor } from '../helpers/test-env';
import { startWorker } from '../helpers/worker-app';
import {
  issueRow,
  readersOf,
  seedArticles,
  seedNewsletter,
  seedSubscribers,
  testDb,
  tokenService,
} from './digest-fixtures';

const RATE = 30;

describe('an unsubscribe during a send stops that reader’s copy', () => {
  let env: TestEnv;
  let sink: SmtpSink;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let db: Pool;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    // A slow send (RATE messages a second, batches of RATE) leaves time to act during it.
    env = await createTestEnv('digest_unsub', { SMTP_URL: sink.url, SEND_RATE_PER_SECOND: String(RATE) });
    db = testDb(env.databaseUrl);
    api = await startApi();
    worker = await startWorker();
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await sink?.stop();
    await db?.end();
    await env?.cleanup();
  });

  /** Readers of one batch whose delivery is still queued, in sending order, last ones first. */
  async function queuedReaders(issueId: string, batch: number): Promise<string[]> {
    const { rows } = await db.query<{ subscriberId: string }>(
      `SELECT subscriber_id AS "subscriberId" FROM deliveries
        WHERE issue_id = $1 AND batch = $2 AND status = 'queued' ORDER BY id DESC`,
      [issueId, batch],
    );
    return rows.map((r) => r.subscriberId);
  }

  async function oneClickUnsubscribe(subscriberId: string, newsletterId: string): Promise<number> {
    const token = tokenService(env.appSecret).sign({ subscriberId, newsletterId, purpose: 'unsubscribe' });
    const res = await fetch(`${api.baseUrl}/unsubscribe?token=${encodeURIComponent(token)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    return res.status;
  }

  it('readers who unsubscribe (200) while the issue is going out never get it; everyone else gets one', async () => {
    const newsletterId = await seedNewsletter(db, { slug: 'unsub', topics: ['unsub'] });
    await seedSubscribers(db, newsletterId, RATE * 5, 'u');
    await seedArticles(db, [{ title: 'Story while leaving', topics: ['unsub'] }]);
    const issueId = await worker.get(IssueService).createNow('unsub');

    // Wait until batch 1 is being sent: its first messages are out, its last ones still queued.
    await waitFor(
      async () =>
        (await db.query(`SELECT 1 FROM deliveries WHERE issue_id = $1 AND batch = 1 AND status = 'sent'`, [issueId]))
          .rowCount,
      20000,
      'batch 1 to start',
    );
    // The tail of the batch in progress (already loaded by its job) and readers of the last batch.
    const leavers = [
      ...(await queuedReaders(issueId, 1)).slice(0, 5),
      ...(await queuedReaders(issueId, 4)).slice(0, 5),
    ];
    expect(leavers).toHaveLength(10);
    const statuses = await Promise.all(leavers.map((id) => oneClickUnsubscribe(id, newsletterId)));
    expect(statuses.every((s) => s === 200)).toBe(true);

    await waitFor(async () => (await issueRow(db, issueId)).status === 'sent', 30000, 'the issue to be sent');

    const emailOf = new Map([...(await readersOf(db, newsletterId))].map(([email, id]) => [id, email]));
    const leaverEmails = new Set(leavers.map((id) => emailOf.get(id)!));
    // Leavers do get the "you have been unsubscribed" confirmation; what matters is the issue.
    const received = sink.messages
      .filter((m) => m.parsed.subject === 'The unsub letter: Story while leaving')
      .map((m) => m.envelopeTo[0].toLowerCase());
    expect(received.filter((email) => leaverEmails.has(email))).toEqual([]);
    expect(received).toHaveLength(RATE * 5 - 10);
    expect(new Set(received).size).toBe(received.length);
    expect(await issueRow(db, issueId)).toMatchObject({ recipients: RATE * 5, sent: RATE * 5 - 10, skipped: 10 });
    const { rows } = await db.query(
      `SELECT DISTINCT status, error FROM deliveries WHERE issue_id = $1 AND subscriber_id = ANY($2::uuid[])`,
      [issueId, leavers],
    );
    expect(rows).toEqual([{ status: 'skipped', error: 'no longer subscribed at send time' }]);
  });
});
