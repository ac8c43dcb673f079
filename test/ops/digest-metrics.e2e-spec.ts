import { Pool } from 'pg';
import type { RunningApi } from '../helpers/api-app';
import { SmtpSink } from '../helpers/smtp-sink';
import { SuiteStack } from '../helpers/suite-stack';
import { TestEnv, waitFor } from '../helpers/test-env';
import { seedArticles, seedNewsletter, seedSubscribers } from '../digests/digest-fixtures';
import { parseExposition, sampleValue } from './prometheus-exposition';

/**
 * The counters an operator graphs, moved by a real digest: the API enqueues the
 * issue, the worker builds and sends it to a real SMTP sink, and /metrics on the
 * API reports what the worker did.
 */
describe('metrics move when a digest is sent', () => {
  let stack: SuiteStack<SmtpSink>;
  let env: TestEnv;
  let sink: SmtpSink;
  let api: RunningApi;
  let db: Pool;

  beforeAll(async () => {
    stack = await SuiteStack.start('ops_digest_metrics', {
      mail: () => new SmtpSink().start(),
      api: true,
      worker: 'in-process',
    });
    ({ env, mail: sink, api, db } = stack);
    const newsletter = await seedNewsletter(db, { slug: 'metrics-daily', topics: ['markets'] });
    await seedSubscribers(db, newsletter, 3, 'm');
    await seedArticles(db, [
      { title: 'Rates on hold', topics: ['markets'] },
      { title: 'Shares rally', topics: ['markets'] },
    ]);
  });
  afterAll(() => stack?.close());

  const scrape = async () => parseExposition(await (await fetch(`${api.baseUrl}/metrics`)).text());

  it('counts sent and failed emails per newsletter, send latency and delivery jobs', async () => {
    const before = await scrape();
    expect(sampleValue(before, 'dispatch_emails_sent_total', { newsletter: 'metrics-daily' })).toBeUndefined();
    expect(before.get('dispatch_send_duration_seconds')!.histograms[0].count).toBe(0);

    // One reader's mailbox does not exist: a permanent failure, the other two are delivered.
    sink.answers.push({ code: 550, message: '5.1.1 mailbox unavailable' });
    const res = await fetch(`${api.baseUrl}/admin/newsletters/metrics-daily/issues`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.adminToken}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await waitFor(
      async () => (await db.query(`SELECT status FROM issues WHERE id = $1`, [id])).rows[0]?.status === 'sent',
      30_000,
      'the issue to be sent',
    );
    expect(sink.messages).toHaveLength(2);

    const after = await waitFor(
      async () => {
        const f = await scrape();
        return (sampleValue(f, 'dispatch_jobs_completed_total', { queue: 'delivery' }) ?? 0) >= 1 ? f : null;
      },
      10_000,
      'the delivery job to be counted',
    );
    expect(sampleValue(after!, 'dispatch_emails_sent_total', { newsletter: 'metrics-daily' })).toBe(2);
    expect(sampleValue(after!, 'dispatch_emails_failed_total', { newsletter: 'metrics-daily' })).toBe(1);
    const [latency] = after!.get('dispatch_send_duration_seconds')!.histograms;
    expect(latency.count).toBe(2);
    expect(latency.sum).toBeGreaterThan(0);
    expect(sampleValue(after!, 'dispatch_jobs_completed_total', { queue: 'digest' })).toBeGreaterThanOrEqual(1);
  });
});
