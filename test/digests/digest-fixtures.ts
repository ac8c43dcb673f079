import { Pool } from 'pg';
import { TokenService } from '@app/subscriptions';
import type { RunningApi } from '../helpers/api-app';
import { ReceivedMail, SmtpSink } from '../helpers/smtp-sink';
import { MailServer, SuiteStack } from '../helpers/suite-stack';
import { waitFor } from '../helpers/test-env';

export interface NewsletterSeed {
  slug: string;
  name?: string;
  topics?: string[];
  schedule?: string | null;
  timezone?: string;
  maxArticles?: number;
  description?: string;
}

export async function seedNewsletter(db: Pool, seed: NewsletterSeed): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO newsletters (slug, name, description, topics, schedule, timezone, max_articles)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [
      seed.slug,
      seed.name ?? `The ${seed.slug} letter`,
      seed.description ?? '',
      seed.topics ?? ['markets'],
      seed.schedule ?? null,
      seed.timezone ?? 'UTC',
      seed.maxArticles ?? 10,
    ],
  );
  return rows[0].id;
}

/**
 * `count` readers with active subscriptions, created by SQL in one statement
 * (generate_series): reader<prefix><n>@example.test, named "Reader <n>".
 */
export async function seedSubscribers(db: Pool, newsletterId: string, count: number, prefix = ''): Promise<void> {
  await db.query(
    `WITH s AS (
       INSERT INTO subscribers (email, name)
       SELECT format('reader%s%s@example.test', $3::text, g), format('Reader %s', g) FROM generate_series(1, $2::int) g
       RETURNING id)
     INSERT INTO subscriptions (subscriber_id, newsletter_id, status, confirmed_at)
     SELECT id, $1, 'active', now() FROM s`,
    [newsletterId, count, prefix],
  );
}

export interface ArticleSeed {
  title: string;
  topics?: string[];
  hoursAgo?: number;
  summary?: string;
  url?: string;
}

let articleCounter = 0;

export async function seedArticles(db: Pool, articles: ArticleSeed[]): Promise<string[]> {
  const ids: string[] = [];
  for (const a of articles) {
    articleCounter++;
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO articles (url, title, body, body_text, summary, topics, published_at)
       VALUES ($1, $2, $3, $3, $4, $5, now() - make_interval(secs => $6)) RETURNING id`,
      [
        a.url ?? `https://news.example.test/story-${articleCounter}-${Date.now()}`,
        a.title,
        `<p>${a.title}. Body text.</p>`,
        a.summary ?? `Summary of ${a.title}.`,
        a.topics ?? ['markets'],
        (a.hoursAgo ?? 1) * 3600,
      ],
    );
    ids.push(rows[0].id);
  }
  return ids;
}

/** A newsletter with `readers` active readers and one fresh article on its own topic: ready for an issue. */
export async function seedIssueAudience(db: Pool, slug: string, readers: number): Promise<string> {
  const newsletterId = await seedNewsletter(db, { slug, topics: [slug] });
  await seedSubscribers(db, newsletterId, readers, slug);
  await seedArticles(db, [{ title: `News for ${slug}`, topics: [slug] }]);
  return newsletterId;
}

/**
 * The crash suites' stack: an SMTP sink, the API and two real worker processes
 * (apps/worker/src/main.ts), sending slowly enough that a send is still going when the
 * test interferes with it, with a quick reconciler.
 */
export function startCrashSuiteStack(suite: string, sendConcurrency: number): Promise<SuiteStack<SmtpSink>> {
  return SuiteStack.start(suite, {
    mail: () => new SmtpSink().start(),
    env: {
      SEND_CONCURRENCY: String(sendConcurrency),
      SEND_RATE_PER_SECOND: '150',
      RECONCILE_INTERVAL_SECONDS: '2',
    },
    api: true,
    worker: 2,
  });
}

/** Seeds an audience for `slug` (seedIssueAudience) and starts an issue of it over the suite's API. */
export async function startIssueFor(
  stack: SuiteStack<MailServer>,
  slug: string,
  readers: number,
): Promise<{ issueId: string; newsletterId: string }> {
  const newsletterId = await seedIssueAudience(stack.db, slug, readers);
  return { issueId: await startIssueOverHttp(stack.api, stack.env.adminToken, slug), newsletterId };
}

/** Starts an issue of the newsletter over HTTP, as an operator does; returns its id. */
export async function startIssueOverHttp(api: RunningApi, adminToken: string, slug: string): Promise<string> {
  const res = await fetch(`${api.baseUrl}/admin/newsletters/${slug}/issues`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: '{}',
  });
  if (res.status !== 202) throw new Error(`issue of ${slug} not started: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

export async function issueRow(
  db: Pool,
  issueId: string,
): Promise<{ status: string; recipients: number; sent: number; failed: number; skipped: number }> {
  const { rows } = await db.query(`SELECT status, recipients, sent, failed, skipped FROM issues WHERE id = $1`, [
    issueId,
  ]);
  return rows[0];
}

/** Waits for the issue to be sent; the database may be briefly away meanwhile (fault suites). */
export async function waitForIssueSent(db: Pool, issueId: string, timeoutMs = 60000): Promise<void> {
  await waitFor(
    async () => (await issueRow(db, issueId).catch(() => ({ status: 'unknown' }))).status === 'sent',
    timeoutMs,
    `issue ${issueId} to be sent`,
  );
}

export async function deliveryCounts(db: Pool, issueId: string): Promise<Record<string, number>> {
  const { rows } = await db.query<{ status: string; n: number }>(
    `SELECT status, count(*)::int AS n FROM deliveries WHERE issue_id = $1 GROUP BY status`,
    [issueId],
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Email -> subscriber id, for every reader of a newsletter. */
export async function readersOf(db: Pool, newsletterId: string): Promise<Map<string, string>> {
  const { rows } = await db.query<{ email: string; id: string }>(
    `SELECT sub.email, sub.id FROM subscriptions s JOIN subscribers sub ON sub.id = s.subscriber_id
      WHERE s.newsletter_id = $1`,
    [newsletterId],
  );
  return new Map(rows.map((r) => [r.email.toLowerCase(), r.id]));
}

/** Every address of the newsletter's readers, lower-cased and sorted. */
export async function readerAddresses(db: Pool, newsletterId: string): Promise<string[]> {
  return [...(await readersOf(db, newsletterId)).keys()].sort();
}

/** How many of `messages` each reader of the newsletter received (0 for readers who got nothing), in address order. */
export async function copiesPerReader(db: Pool, newsletterId: string, messages: ReceivedMail[]): Promise<number[]> {
  const copies = new Map((await readerAddresses(db, newsletterId)).map((email) => [email, 0]));
  for (const mail of messages) {
    const email = mail.envelopeTo[0].toLowerCase();
    if (copies.has(email)) copies.set(email, copies.get(email)! + 1);
  }
  return [...copies.values()];
}

/** The token inside a List-Unsubscribe header value `<https://…/unsubscribe?token=…>`. */
export function unsubscribeTokenOf(listUnsubscribe: string | undefined): string {
  const match = /<([^>]+)>/.exec(listUnsubscribe ?? '');
  if (!match) throw new Error(`no URL in List-Unsubscribe: ${listUnsubscribe}`);
  const token = new URL(match[1]).searchParams.get('token');
  if (!token) throw new Error('no token in the unsubscribe URL');
  return token;
}

export function tokenService(appSecret: string): TokenService {
  return new TokenService({ appSecrets: [appSecret] });
}

/** A header exactly as sent (mailparser turns List-* headers into objects). */
export function rawHeader(mail: ReceivedMail, name: string): string | undefined {
  const line = mail.parsed.headerLines.find((h) => h.key === name.toLowerCase())?.line;
  return line === undefined
    ? undefined
    : line
        .slice(line.indexOf(':') + 1)
        .replace(/\r?\n\s+/g, ' ')
        .trim();
}
