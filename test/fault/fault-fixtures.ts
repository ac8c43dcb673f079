import { Pool } from 'pg';
import { waitFor } from '../helpers/test-env';

/** Direct SQL to seed and check, independent of the apps under test (which may be down). */
export function sql(databaseUrl: string): Pool {
  const pool = new Pool({ connectionString: databaseUrl, max: 3 });
  // A database stopped under the pool makes idle clients error: expected here.
  pool.on('error', () => undefined);
  return pool;
}

/** A newsletter with `readers` active subscribers (fault<n>@example.com) and one fresh article. */
export async function seedDigest(db: Pool, slug: string, readers: number): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO newsletters (slug, name, topics) VALUES ($1, $2, '{markets}') RETURNING id`,
    [slug, `The ${slug} letter`],
  );
  const newsletterId = rows[0].id;
  await db.query(
    `WITH s AS (
       INSERT INTO subscribers (email, name)
       SELECT format('%s%s@example.com', $3::text, g), format('Reader %s', g) FROM generate_series(1, $2::int) g
       RETURNING id)
     INSERT INTO subscriptions (subscriber_id, newsletter_id, status, confirmed_at)
     SELECT id, $1, 'active', now() FROM s`,
    [newsletterId, readers, slug],
  );
  await db.query(
    `INSERT INTO articles (url, title, body, body_text, summary, topics, published_at)
     VALUES ($1, $2, $2, $2, $2, '{markets}', now() - interval '10 minutes')`,
    [`https://news.example.com/${slug}-${Date.now()}`, `Markets today for ${slug}`],
  );
  return newsletterId;
}

export async function issueStatus(db: Pool, issueId: string): Promise<Record<string, unknown>> {
  const { rows } = await db.query(`SELECT status, recipients, sent, failed, skipped FROM issues WHERE id = $1`, [
    issueId,
  ]);
  return rows[0];
}

export async function waitForIssueSent(db: Pool, issueId: string, timeoutMs = 60000): Promise<void> {
  await waitFor(
    async () => (await issueStatus(db, issueId).catch(() => ({ status: 'unknown' }))).status === 'sent',
    timeoutMs,
    `issue ${issueId} to be sent`,
  );
}

export async function deliveryStatuses(db: Pool, issueId: string): Promise<Record<string, number>> {
  const { rows } = await db.query<{ status: string; n: number }>(
    `SELECT status, count(*)::int AS n FROM deliveries WHERE issue_id = $1 GROUP BY status`,
    [issueId],
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Every address of the newsletter's readers, lower-cased. */
export async function readerAddresses(db: Pool, newsletterId: string): Promise<string[]> {
  const { rows } = await db.query<{ email: string }>(
    `SELECT lower(s.email) AS email FROM subscriptions x JOIN subscribers s ON s.id = x.subscriber_id
     WHERE x.newsletter_id = $1 ORDER BY 1`,
    [newsletterId],
  );
  return rows.map((r) => r.email);
}
