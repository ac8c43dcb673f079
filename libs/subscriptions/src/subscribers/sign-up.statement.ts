import type { DataSource } from 'typeorm';
import { Newsletter, preparedQuery } from '@app/database';

/** Everything one sign-up writes, prepared by SubscriptionService. */
export interface SignUpWrite {
  email: string;
  name: string | null;
  /** The newsletters as the caller knows them (maybe cached): id and name are re-checked. */
  newsletters: Pick<Newsletter, 'id' | 'name'>[];
  /** The address's suppression-list hashes (one per configured secret). */
  suppressionHashes: string[];
  /** The consent event's columns from action to details (ConsentLedger.columnsOf). */
  consentColumns: unknown[];
}

/** An identical sign-up by the same reader within this time is a retry, not a new consent event. */
export const SIGN_UP_RETRY_WINDOW_MS = 15 * 60 * 1000;

/**
 * stale: a newsletter is no longer active or was renamed (the consent text would be
 * wrong), nothing was written; suppressed: the address must not be mailed, nothing was
 * written; recorded: the reader and subscriptions are stored, `pendingIds` need a
 * confirmation mail (empty when every subscription was already active).
 */
export type SignUpWriteResult =
  | { outcome: 'stale' }
  | { outcome: 'suppressed' }
  | { outcome: 'recorded'; subscriberId: string; pendingIds: string[] };

/*
 * One statement for a batch of sign-ups (distinct addresses), so one round trip and one
 * commit for all of them. Per sign-up: check the newsletters and the suppression list,
 * upsert the reader (an existing name is kept: anyone can post any address, so a stranger
 * must not rename a reader), make new and unsubscribed subscriptions pending and refresh
 * pending ones (their 30-day expiry restarts; active ones are left alone), and append the
 * consent event unless it repeats the reader's latest one within the retry window (a
 * double click, a client retrying after a 503). Data-modifying CTEs all run against one
 * snapshot, as the separate statements of a READ COMMITTED transaction did; readers and
 * subscriptions are written in key order, so two batches lock shared rows in one order.
 */
const SIGN_UPS_SQL = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
    i int, email text, name text, newsletter_ids uuid[], newsletter_names text[], hashes text[],
    action text, newsletters text[], consent_version text, consent_text_sha256 text,
    ip text, user_agent text, source text, details text)
), wanted AS (
  SELECT input.i, n.id FROM input
  CROSS JOIN LATERAL unnest(input.newsletter_ids, input.newsletter_names) AS w(id, name)
  JOIN newsletters n ON n.id = w.id AND n.name = w.name AND n.active
), gate AS (
  SELECT input.*,
         (SELECT count(*) FROM wanted WHERE wanted.i = input.i) = cardinality(input.newsletter_ids) AS current,
         EXISTS (SELECT 1 FROM suppressions WHERE email_hash = ANY(input.hashes)) AS suppressed
  FROM input
), reader AS (
  INSERT INTO subscribers (email, name)
  SELECT email, name FROM gate WHERE current AND NOT suppressed ORDER BY lower(email)
  ON CONFLICT ((lower(email))) DO UPDATE
    SET name = COALESCE(subscribers.name, EXCLUDED.name), updated_at = now()
  RETURNING id, lower(email) AS address
), signed AS (
  SELECT gate.*, reader.id AS subscriber_id FROM gate JOIN reader ON reader.address = lower(gate.email)
), requested AS (
  INSERT INTO subscriptions (subscriber_id, newsletter_id, status)
  SELECT signed.subscriber_id, wanted.id, 'pending' FROM signed JOIN wanted ON wanted.i = signed.i
  ORDER BY 1, 2
  ON CONFLICT (subscriber_id, newsletter_id) DO UPDATE
    SET status = 'pending', unsubscribed_at = NULL, created_at = now(), updated_at = now()
    WHERE subscriptions.status <> 'active'
  RETURNING subscriber_id, newsletter_id
), repeated AS (
  SELECT signed.i FROM signed CROSS JOIN LATERAL (
    SELECT * FROM consent_events WHERE subscriber_id = signed.subscriber_id ORDER BY at DESC, id DESC LIMIT 1) e
  WHERE e.at > now() - make_interval(secs => $2::float8)
    AND e.action = signed.action AND e.newsletters = signed.newsletters
    AND e.consent_version IS NOT DISTINCT FROM signed.consent_version
    AND e.consent_text_sha256 IS NOT DISTINCT FROM signed.consent_text_sha256
    AND e.ip IS NOT DISTINCT FROM signed.ip AND e.user_agent IS NOT DISTINCT FROM signed.user_agent
    AND e.source IS NOT DISTINCT FROM signed.source AND e.details IS NOT DISTINCT FROM signed.details::jsonb
), consented AS (
  INSERT INTO consent_events
    (subscriber_id, action, newsletters, consent_version, consent_text_sha256, ip, user_agent, source, details)
  SELECT subscriber_id, action, newsletters, consent_version, consent_text_sha256, ip, user_agent, source,
         details::jsonb
  FROM signed WHERE signed.i NOT IN (SELECT i FROM repeated)
  ORDER BY signed.i
  RETURNING id
)
SELECT gate.i, gate.current, gate.suppressed, signed.subscriber_id,
       ARRAY(SELECT newsletter_id FROM requested WHERE requested.subscriber_id = signed.subscriber_id) AS pending_ids
FROM gate LEFT JOIN signed ON signed.i = gate.i
ORDER BY gate.i`;

interface SignUpRow {
  i: number;
  current: boolean;
  suppressed: boolean;
  subscriber_id: string | null;
  pending_ids: string[];
}

/** The consent event's columns (ConsentLedger.columnsOf) by name, as the statement reads them. */
const CONSENT_FIELDS = [
  'action',
  'newsletters',
  'consent_version',
  'consent_text_sha256',
  'ip',
  'user_agent',
  'source',
  'details',
] as const;

/**
 * Writes sign-ups in one statement (see SIGN_UPS_SQL), prepared: planning it afresh cost
 * Postgres more than executing it. The addresses must be distinct (lower-cased): a
 * statement cannot upsert one reader twice. Results come in the order of `writes`.
 */
export async function writeSignUps(db: DataSource, writes: SignUpWrite[]): Promise<SignUpWriteResult[]> {
  if (writes.length === 0) return [];
  const input = writes.map((w, i) => ({
    i,
    email: w.email,
    name: w.name,
    newsletter_ids: w.newsletters.map((n) => n.id),
    newsletter_names: w.newsletters.map((n) => n.name),
    hashes: w.suppressionHashes,
    ...Object.fromEntries(CONSENT_FIELDS.map((field, k) => [field, w.consentColumns[k]])),
  }));
  const rows = await preparedQuery<SignUpRow>(db, 'sign-ups', SIGN_UPS_SQL, [
    JSON.stringify(input),
    SIGN_UP_RETRY_WINDOW_MS / 1000,
  ]);
  return rows.map(resultOf);
}

function resultOf(row: SignUpRow): SignUpWriteResult {
  if (!row.current) return { outcome: 'stale' };
  if (row.suppressed || !row.subscriber_id) return { outcome: 'suppressed' };
  return { outcome: 'recorded', subscriberId: row.subscriber_id, pendingIds: row.pending_ids };
}
