import { INestApplicationContext } from '@nestjs/common';
import { Pool } from 'pg';
import { IssueService } from '@app/digests';
import { SmtpSink } from '../helpers/smtp-sink';
import { createTestEnv, TestEnv, waitFor } from '../helpers/test-env';
import { startWorker } from '../helpers/worker-app';
import {
  deliveryCounts,
  issueRow,
  rawHeader,
  readersOf,
  seedArticles,
  seedNewsletter,
  seedSubscribers,
  testDb,
  tokenService,
  unsubscribeTokenOf,
} from './digest-fixtures';

describe('digest delivery (real PostgreSQL, Redis, worker and SMTP sink)', () => {
  let env: TestEnv;
  let sink: SmtpSink;
  let worker: INestApplicationContext;
  let db: Pool;
  let issues: IssueService;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    env = await createTestEnv('digest_delivery', { SMTP_URL: sink.url, SEND_CONCURRENCY: '8' });
    db = testDb(env.databaseUrl);
    worker = await startWorker();
    issues = worker.get(IssueService);
  });

  afterAll(async () => {
    await worker?.close();
    await sink?.stop();
    await db?.end();
    await env?.cleanup();
  });

  beforeEach(() => {
    sink.messages.length = 0;
    sink.answers.length = 0;
  });

  it('delivers an issue to 1,000 readers exactly once each, with their own unsubscribe link', async () => {
    const newsletterId = await seedNewsletter(db, { slug: 'thousand', name: 'Markets Morning', topics: ['markets'] });
    await seedSubscribers(db, newsletterId, 1000, 'k');
    await seedArticles(db, [
      { title: 'Bond yields climb', topics: ['markets'] },
      { title: 'Oil slips as supply rises', topics: ['markets', 'energy'] },
    ]);

    const issueId = await issues.createNow('thousand');
    await waitFor(async () => (await issueRow(db, issueId)).status === 'sent', 45000, 'the issue to be sent');

    expect(sink.messages).toHaveLength(1000);
    const readers = await readersOf(db, newsletterId);
    const recipients = sink.messages.map((m) => m.envelopeTo[0].toLowerCase());
    expect(new Set(recipients).size).toBe(1000);
    expect(new Set(recipients)).toEqual(new Set(readers.keys()));

    const tokens = tokenService(env.appSecret);
    const messageIds = new Set<string>();
    for (const mail of sink.messages) {
      const email = mail.envelopeTo[0].toLowerCase();
      const claims = tokens.verify(unsubscribeTokenOf(rawHeader(mail, 'list-unsubscribe')), 'unsubscribe');
      expect(claims).toMatchObject({ subscriberId: readers.get(email), newsletterId });
      expect(rawHeader(mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
      expect(rawHeader(mail, 'list-id')).toContain('<thousand.');
      expect(mail.parsed.subject).toBe('Markets Morning: Bond yields climb');
      expect(mail.parsed.html).toContain('Bond yields climb');
      expect(mail.parsed.text).toContain('Oil slips as supply rises');
      // The reader's own link is in the body too, and their name in the greeting.
      const unsubscribeUrl = /<([^>]+)>/.exec(rawHeader(mail, 'list-unsubscribe')!)![1];
      expect(mail.parsed.html).toContain(unsubscribeUrl.replace(/&/g, '&amp;'));
      expect(mail.parsed.text).toMatch(/Hi Reader \d+,/);
      messageIds.add(mail.parsed.messageId!);
    }
    expect(messageIds.size).toBe(1000);

    expect(await issueRow(db, issueId)).toMatchObject({ status: 'sent', recipients: 1000, sent: 1000, failed: 0 });
    expect(await deliveryCounts(db, issueId)).toEqual({ sent: 1000 });
  });
});
