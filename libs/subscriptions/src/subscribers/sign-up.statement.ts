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
  /** An identical event for the reader younger than this is a retry: not recorded again. */
  retryWindowMs: number;
}

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
 * One statement, so one round trip and its own transaction: check the newsletters and
 * the suppression list, upsert the reader (an existing name is kept: anyone can post
 * any address, so a stranger must not rename a reader), make new and unsubscribed
 * subscriptions pending and refresh pending ones (their 30-day expiry restarts; active
 * ones are left alone), and append the consent event unless it repeats the reader's
 * latest one within the retry window (a double click, a client retrying after a 503).
 * Data-modifying CTEs all run against one snapshot, as the separate statements of a
 * READ COMMITTED transaction did.
 */
const SIGN_UP_SQL = `
WITH wanted AS (
  SELECT n.id FROM newsletters n
  JOIN unnest($3::uuid[], $4::text[]) AS w(id, name) ON n.id = w.id AND n.name = w.name
  WHERE n.active
), gate AS (
  SELECT (SELECT count(*) FROM wanted) = cardinality($3::uuid[]) AS current,
         EXISTS (SELECT 1 FROM suppressions WHERE email_hash = ANY($5::text[])) AS suppressed
), reader AS (
  INSERT INTO subscribers (email, name)
  SELECT $1, $2 FROM gate WHERE gate.current AND NOT gate.suppressed
  ON CONFLICT ((lower(email))) DO UPDATE
    SET name = COALESCE(subscribers.name, EXCLUDED.name), updated_at = now()
  RETURNING id
), requested AS (
  INSERT INTO subscriptions (subscriber_id, newsletter_id, status)
  SELECT reader.id, wanted.id, 'pending' FROM reader CROSS JOIN wanted
  ON CONFLICT (subscriber_id, newsletter_id) DO UPDATE
    SET status = 'pending', unsubscribed_at = NULL, created_at = now(), updated_at = now()
    WHERE subscriptions.status <> 'active'
  RETURNING newsletter_id
), repeated AS (
  SELECT 1 FROM reader CROSS JOIN LATERAL (
    SELECT * FROM consent_events WHERE subscriber_id = reader.id ORDER BY at DESC, id DESC LIMIT 1) e
  WHERE e.at > now() - make_interval(secs => $6::float8)
    AND e.action = $7::text AND e.newsletters = $8::text[]
    AND e.consent_version IS NOT DISTINCT FROM $9::text AND e.consent_text_sha256 IS NOT DISTINCT FROM $10::text
    AND e.ip IS NOT DISTINCT FROM $11::text AND e.user_agent IS NOT DISTINCT FROM $12::text
    AND e.source IS NOT DISTINCT FROM $13::text AND e.details IS NOT DISTINCT FROM $14::jsonb
), consented AS (
  INSERT INTO consent_events
    (subscriber_id, action, newsletters, consent_version, consent_text_sha256, ip, user_agent, source, details)
  SELECT reader.id, $7::text, $8::text[], $9::text, $10::text, $11::text, $12::text, $13::text, $14::jsonb
  FROM reader WHERE NOT EXISTS (SELECT 1 FROM repeated)
  RETURNING id
)
SELECT gate.current, gate.suppressed, (SELECT id FROM reader) AS subscriber_id,
       ARRAY(SELECT newsletter_id FROM requested) AS pending_ids
FROM gate`;

interface SignUpRow {
  current: boolean;
  suppressed: boolean;
  subscriber_id: string | null;
  pending_ids: string[];
}

/**
 * Writes a sign-up in one statement (see SIGN_UP_SQL), prepared: planning it afresh
 * cost Postgres more than executing it.
 */
export async function writeSignUp(db: DataSource, w: SignUpWrite): Promise<SignUpWriteResult> {
  const [row] = await preparedQuery<SignUpRow>(db, 'sign-up', SIGN_UP_SQL, [
    w.email,
    w.name,
    w.newsletters.map((n) => n.id),
    w.newsletters.map((n) => n.name),
    w.suppressionHashes,
    w.retryWindowMs / 1000,
    ...w.consentColumns,
  ]);
  if (!row.current) return { outcome: 'stale' };
  if (row.suppressed || !row.subscriber_id) return { outcome: 'suppressed' };
  return { outcome: 'recorded', subscriberId: row.subscriber_id, pendingIds: row.pending_ids };
}
