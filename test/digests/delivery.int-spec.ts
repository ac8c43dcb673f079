import { INestApplicationContext } from '@nestjs/common';
import { Pool } from 'pg';
import { IssueService, ReconcilerService } from '@app/digests';
import { SuppressionService } from '@app/subscriptions';
import { SmtpSink } from '../helpers/smtp-sink';
import { SuiteStack } from '../helpers/suite-stack';
import { TestEnv, waitFor } from '../helpers/test-env';
import {
  deliveryCounts,
  issueRow,
  rawHeader,
  readersOf,
  seedArticles,
  seedNewsletter,
  seedSubscribers,
  tokenService,
  unsubscribeTokenOf,
} from './digest-fixtures';

describe('digest delivery (real PostgreSQL, Redis, worker and SMTP sink)', () => {
  let stack: SuiteStack<SmtpSink>;
  let env: TestEnv;
  let sink: SmtpSink;
  let worker: INestApplicationContext;
  let db: Pool;
  let issues: IssueService;

  beforeAll(async () => {
    stack = await SuiteStack.start('digest_delivery', {
      mail: () => new SmtpSink().start(),
      env: { SEND_CONCURRENCY: '8' },
      worker: 'in-process',
    });
    ({ env, mail: sink, worker, db } = stack);
    issues = worker.get(IssueService);
  });

  afterAll(() => stack?.close());

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
    // The fan-out analysed deliveries itself (autovacuum's runs are not counted here): with
    // stale statistics every send-time check was planned as a scan of all queued rows.
    const manualAnalyses = async () =>
      Number(
        (
          await db.query<{ analyze_count: string }>(
            `SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'deliveries'`,
          )
        ).rows[0].analyze_count,
      );
    await waitFor(async () => (await manualAnalyses()) > 0, 5000, 'deliveries to be analysed');
  });

  it('gives each reader their greeting and recommendations (trusted HTML block) in the pre-built message', async () => {
    const newsletterId = await seedNewsletter(db, { slug: 'recs-main', name: 'Lab Daily', topics: ['science'] });
    const otherId = await seedNewsletter(db, {
      slug: 'recs-other',
      name: 'Lab Notes & Co',
      topics: ['science'],
      description: 'Weekly <lab> news',
    });
    const { rows: readers } = await db.query<{ id: string; email: string }>(
      `INSERT INTO subscribers (email, name) VALUES ('fan@example.test', 'Zoë <b>Ünïcode</b>'), ('both@example.test', NULL)
       RETURNING id, email`,
    );
    const both = readers.find((r) => r.email === 'both@example.test')!.id;
    await db.query(
      `INSERT INTO subscriptions (subscriber_id, newsletter_id, status, confirmed_at)
       SELECT id, $1::uuid, 'active', now() FROM subscribers WHERE id = ANY($2::uuid[])
       UNION ALL SELECT $3::uuid, $4::uuid, 'active', now()`,
      [newsletterId, readers.map((r) => r.id), both, otherId],
    );
    await seedArticles(db, [{ title: 'Microscopes, cheaper', topics: ['science'] }]);

    const issueId = await issues.createNow('recs-main');
    await waitFor(async () => (await issueRow(db, issueId)).status === 'sent', 30000, 'the issue');

    const [fan] = sink.to('fan@example.test');
    expect(fan.parsed.to).toMatchObject({ value: [{ name: 'Zoë <b>Ünïcode</b>', address: 'fan@example.test' }] });
    expect(fan.parsed.subject).toBe('Lab Daily: Microscopes, cheaper');
    expect(fan.parsed.html).toContain('Hi Zoë &lt;b&gt;Ünïcode&lt;/b&gt;,');
    expect(fan.parsed.text).toContain('Hi Zoë <b>Ünïcode</b>,');
    // The block is HTML built from escaped parts: a real link, the name and description escaped.
    expect(fan.parsed.html).toMatch(
      /<a href="[^"]+\/forms\/recs-other">Lab Notes &amp; Co<\/a> &ndash; Weekly &lt;lab&gt; news/,
    );
    expect(fan.parsed.text).toMatch(
      /You might also like:\n\* Lab Notes & Co - Weekly <lab> news: \S+\/forms\/recs-other/,
    );
    // Already receiving the related newsletter: nothing to recommend.
    const [other] = sink.to('both@example.test').filter((m) => m.parsed.subject === 'Lab Daily: Microscopes, cheaper');
    expect(other.parsed.text).toContain('Hello,');
    expect(other.parsed.html).not.toContain('You might also like');
  });

  it('retries a 4xx answer with backoff and then sends the message once', async () => {
    const newsletterId = await seedNewsletter(db, { slug: 'retry', topics: ['markets'] });
    await seedSubscribers(db, newsletterId, 1, 'r');
    await seedArticles(db, [{ title: 'Retry story', topics: ['markets'] }]);
    sink.answers.push({ code: 421, message: 'Try again later' });

    const issueId = await issues.createNow('retry');
    await waitFor(async () => (await issueRow(db, issueId)).status === 'sent', 30000, 'the retried issue');

    expect(sink.messages).toHaveLength(1);
    const { rows } = await db.query(`SELECT status, attempts FROM deliveries WHERE issue_id = $1`, [issueId]);
    expect(rows).toEqual([{ status: 'sent', attempts: 2 }]);
    expect(await issueRow(db, issueId)).toMatchObject({ sent: 1, failed: 0 });
  });

  it('records a 5xx as failed with the reason, and suppresses a mailbox that does not exist', async () => {
    const newsletterId = await seedNewsletter(db, { slug: 'bounce', topics: ['markets'] });
    await seedSubscribers(db, newsletterId, 3, 'b');
    await seedArticles(db, [{ title: 'Bounce story', topics: ['markets'] }]);
    sink.answers.push({ code: 550, message: 'Mailbox unavailable' });

    const issueId = await issues.createNow('bounce');
    await waitFor(async () => (await issueRow(db, issueId)).status === 'sent', 30000, 'the issue with a bounce');

    expect(sink.messages).toHaveLength(2);
    expect(await issueRow(db, issueId)).toMatchObject({ recipients: 3, sent: 2, failed: 1 });
    const { rows } = await db.query<{ error: string; email: string; attempts: number }>(
      `SELECT d.error, s.email, d.attempts FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
        WHERE d.issue_id = $1 AND d.status = 'failed'`,
      [issueId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].error).toMatch(/550/);
    expect(rows[0].error).toMatch(/Mailbox unavailable/);
    expect(rows[0].attempts).toBe(1);
    const suppressed = await worker.get(SuppressionService).isSuppressed(rows[0].email);
    expect(suppressed).toBe(true);
  });

  it('skips readers suppressed or unsubscribed before their send, and counts them', async () => {
    const newsletterId = await seedNewsletter(db, { slug: 'recheck', topics: ['markets'] });
    await seedSubscribers(db, newsletterId, 4, 'c');
    await seedArticles(db, [{ title: 'Recheck story', topics: ['markets'] }]);
    await worker.get(SuppressionService).suppress('readerc1@example.test', 'complaint');

    const issueId = await issues.createNow('recheck');
    await waitFor(async () => (await issueRow(db, issueId)).status === 'sent', 30000, 'the issue');

    expect(sink.messages.map((m) => m.envelopeTo[0]).sort()).toEqual([
      'readerc2@example.test',
      'readerc3@example.test',
      'readerc4@example.test',
    ]);
    expect(await issueRow(db, issueId)).toMatchObject({ recipients: 4, sent: 3, skipped: 1 });
  });

  it('skips an issue when there are no new articles on its topics, and sends nothing', async () => {
    const newsletterId = await seedNewsletter(db, { slug: 'quiet', topics: ['curling'] });
    await seedSubscribers(db, newsletterId, 3, 'q');
    await seedArticles(db, [
      { title: 'Off-topic story', topics: ['markets'] },
      { title: 'Too old curling story', topics: ['curling'], hoursAgo: 48 },
    ]);

    const issueId = await issues.createNow('quiet');
    await waitFor(async () => (await issueRow(db, issueId)).status !== 'building', 15000, 'the build');

    expect(await issueRow(db, issueId)).toMatchObject({ status: 'skipped', recipients: 0, sent: 0 });
    expect(await deliveryCounts(db, issueId)).toEqual({});
    const view = await issues.view(issueId);
    expect(view).toMatchObject({ status: 'skipped', dryRun: false, error: 'no new articles for this newsletter' });
    expect(sink.messages).toHaveLength(0);
  });

  it('never puts an article in two issues of one newsletter; a dry run claims nothing', async () => {
    const newsletterId = await seedNewsletter(db, { slug: 'series', name: 'Series', topics: ['bonds'] });
    await seedSubscribers(db, newsletterId, 2, 's');
    await seedArticles(db, [
      { title: 'First story', topics: ['bonds'], hoursAgo: 2 },
      { title: 'Second story', topics: ['bonds'], hoursAgo: 3 },
    ]);

    const dryRun = await issues.createNow('series', { dryRun: true });
    await waitFor(async () => (await issueRow(db, dryRun)).status === 'skipped', 15000, 'the dry run');
    expect(await issues.view(dryRun)).toMatchObject({ dryRun: true, recipients: 0 });
    expect(await issues.preview(dryRun)).toContain('First story');
    expect(await deliveryCounts(db, dryRun)).toEqual({});

    const first = await issues.createNow('series');
    await waitFor(async () => (await issueRow(db, first)).status === 'sent', 15000, 'the first issue');
    await seedArticles(db, [{ title: 'Third story', topics: ['bonds'], hoursAgo: 0.01 }]);
    const second = await issues.createNow('series');
    await waitFor(async () => (await issueRow(db, second)).status === 'sent', 15000, 'the second issue');
    const third = await issues.createNow('series');
    await waitFor(async () => (await issueRow(db, third)).status !== 'building', 15000, 'the third issue');

    const titles = async (issueId: string) =>
      (
        await db.query<{ title: string }>(
          `SELECT a.title FROM issue_articles ia JOIN articles a ON a.id = ia.article_id
            WHERE ia.issue_id = $1 ORDER BY ia.position`,
          [issueId],
        )
      ).rows.map((r) => r.title);
    expect(await titles(first)).toEqual(['First story', 'Second story']);
    expect(await titles(second)).toEqual(['Third story']);
    expect((await issueRow(db, third)).status).toBe('skipped');

    const secondMails = sink.messages.filter((m) => m.parsed.subject === 'Series: Third story');
    expect(secondMails).toHaveLength(2);
    for (const mail of secondMails) {
      expect(mail.parsed.text).not.toContain('First story');
      expect(mail.parsed.text).not.toContain('Second story');
    }
  });

  it('the reconciler resumes an issue left building without a job and closes one with nothing left to send', async () => {
    const newsletterId = await seedNewsletter(db, { slug: 'orphan', topics: ['orphan'] });
    await seedSubscribers(db, newsletterId, 2, 'o');
    await seedArticles(db, [{ title: 'Orphan story', topics: ['orphan'] }]);
    // As if the API had created the row while Redis was unreachable: no build job exists.
    const orphan = (
      await db.query<{ id: string }>(
        `INSERT INTO issues (newsletter_id, status) VALUES ($1, 'building') RETURNING id`,
        [newsletterId],
      )
    ).rows[0].id;
    // As if a worker died between the last delivery and closing the issue.
    const unclosed = (
      await db.query<{ id: string }>(`INSERT INTO issues (newsletter_id, status) VALUES ($1, 'sending') RETURNING id`, [
        await seedNewsletter(db, { slug: 'unclosed' }),
      ])
    ).rows[0].id;

    await worker.get(ReconcilerService).reconcile();

    await waitFor(async () => (await issueRow(db, orphan)).status === 'sent', 15000, 'the orphan issue to be sent');
    expect(sink.messages.map((m) => m.envelopeTo[0]).sort()).toEqual([
      'readero1@example.test',
      'readero2@example.test',
    ]);
    expect((await issueRow(db, unclosed)).status).toBe('sent');
  });
});
