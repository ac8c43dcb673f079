import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Coalescer } from '@app/common';
import { preparedQuery } from '@app/database';

/** A queued delivery with what is needed to write to its reader. */
export interface QueuedDelivery {
  id: string;
  subscriberId: string;
  /** Null once the reader is erased. */
  email: string | null;
  name: string | null;
  attempts: number;
}

export interface Sendability {
  /** Still queued: nobody else sent, failed or skipped it meanwhile. */
  queued: boolean;
  /** Subscription active and reader not erased. */
  subscribed: boolean;
  suppressed: boolean;
}

/*
 * Statements whose result is read end in a SELECT: for a top-level UPDATE, TypeORM's
 * query() answers [rows, rowCount] instead of the rows.
 */

/**
 * Deliveries are the truth of who got an issue. Every transition leaves `queued` only
 * (WHERE status = 'queued'), so a duplicate job can neither send twice nor count twice.
 * Failed and skipped deliveries move the issue's counter in the same statement. Sent ones,
 * one per message at full speed, do not: every send locking the one issue row serialised
 * all sending connections on it and cost Postgres more than the rest of the send path
 * together, so a batch adds its sends at its end (addSent), and the issue's counters are
 * set from the deliveries themselves when it completes: exact whatever crashed in between.
 */
@Injectable()
export class DeliveryRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Fan-out in one statement: a row per active, non-erased subscriber of the newsletter,
   * numbered into batches. Nothing passes through the application, so a million readers
   * cost one INSERT ... SELECT, and only their count comes back (a row per reader would
   * make the worker's memory grow with the audience). Returns the number of rows created.
   */
  async createDeliveries(tx: EntityManager, issueId: string, newsletterId: string, batchSize: number): Promise<number> {
    const [{ created }] = (await tx.query(
      `WITH inserted AS (
         INSERT INTO deliveries (issue_id, subscriber_id, batch)
         SELECT $1, s.subscriber_id, ((row_number() OVER (ORDER BY s.subscriber_id)) - 1) / $3
           FROM subscriptions s
           JOIN subscribers sub ON sub.id = s.subscriber_id
          WHERE s.newsletter_id = $2 AND s.status = 'active' AND sub.status = 'active' AND sub.email IS NOT NULL
         ON CONFLICT (issue_id, subscriber_id) DO NOTHING
         RETURNING 1)
       SELECT count(*)::int AS created FROM inserted`,
      [issueId, newsletterId, batchSize],
    )) as Array<{ created: number }>;
    return created;
  }

  /**
   * Refreshes the planner's statistics of deliveries after a fan-out. The one INSERT adds
   * every reader's row at once, far below autovacuum's analyze threshold on a table that
   * keeps every past issue's rows, so without this the planner believes almost nothing is
   * queued and plans each send-time check and sent mark as a scan of every queued row.
   * ANALYZE samples a bounded number of rows, so it costs the same at any size.
   */
  async refreshStatistics(): Promise<void> {
    await this.db.query('ANALYZE deliveries');
  }

  /** Batch numbers that still have queued deliveries. */
  async queuedBatches(issueId: string): Promise<number[]> {
    const rows = (await this.db.query(
      `SELECT DISTINCT batch FROM deliveries WHERE issue_id = $1 AND status = 'queued' ORDER BY batch`,
      [issueId],
    )) as Array<{ batch: number }>;
    return rows.map((r) => r.batch);
  }

  async loadQueued(issueId: string, batch: number): Promise<QueuedDelivery[]> {
    return (await this.db.query(
      `SELECT d.id::text AS id, d.subscriber_id AS "subscriberId", sub.email, sub.name, d.attempts
         FROM deliveries d JOIN subscribers sub ON sub.id = d.subscriber_id
        WHERE d.issue_id = $1 AND d.batch = $2 AND d.status = 'queued'
        ORDER BY d.id`,
      [issueId, batch],
    )) as QueuedDelivery[];
  }

  /** Every subscription of these readers (recommendations need what each one receives). */
  async subscriptionsOf(
    subscriberIds: string[],
  ): Promise<Map<string, Array<{ newsletterId: string; status: string }>>> {
    const rows = (await this.db.query(
      `SELECT subscriber_id AS "subscriberId", newsletter_id AS "newsletterId", status
         FROM subscriptions WHERE subscriber_id = ANY($1::uuid[])`,
      [subscriberIds],
    )) as Array<{ subscriberId: string; newsletterId: string; status: string }>;
    const bySubscriber = new Map<string, Array<{ newsletterId: string; status: string }>>();
    for (const r of rows) {
      const list = bySubscriber.get(r.subscriberId) ?? [];
      list.push({ newsletterId: r.newsletterId, status: r.status });
      bySubscriber.set(r.subscriberId, list);
    }
    return bySubscriber;
  }

  /**
   * The send-time check, right before a message goes out: an unsubscribe, an erasure
   * or a suppression committed before this query stops the send. Checks of messages
   * about to go out together share one statement (Coalescer).
   */
  sendability(delivery: QueuedDelivery, newsletterId: string, emailHashes: string[]): Promise<Sendability> {
    return this.sendabilityChecks.submit({ delivery, newsletterId, emailHashes });
  }

  /**
   * Returns whether this call made the transition (false: someone else already did).
   * Messages the server accepted together are marked by one statement (Coalescer); the
   * caller still waits for its own row. The issue's `sent` counter is not moved here:
   * the caller adds its batch's sends (addSent).
   */
  markSent(id: string, messageId: string): Promise<boolean> {
    return this.sentMarks.submit({ id, messageId });
  }

  private readonly sendabilityChecks = new Coalescer(
    async (checks: Array<{ delivery: QueuedDelivery; newsletterId: string; emailHashes: string[] }>) => {
      const rows = await preparedQuery<Sendability & { id: string }>(
        this.db,
        'delivery-sendability',
        `SELECT q.id::text AS id,
           EXISTS (SELECT 1 FROM deliveries d WHERE d.id = q.id AND d.status = 'queued') AS queued,
           EXISTS (SELECT 1 FROM subscriptions s JOIN subscribers sub ON sub.id = s.subscriber_id
                    WHERE s.subscriber_id = q.subscriber_id AND s.newsletter_id = q.newsletter_id
                      AND s.status = 'active' AND sub.status = 'active' AND sub.email IS NOT NULL) AS subscribed,
           EXISTS (SELECT 1 FROM suppressions
                    WHERE email_hash = ANY(string_to_array(q.hashes, ','))) AS suppressed
         FROM unnest($1::bigint[], $2::uuid[], $3::uuid[], $4::text[]) AS q(id, subscriber_id, newsletter_id, hashes)`,
        [
          checks.map((c) => c.delivery.id),
          checks.map((c) => c.delivery.subscriberId),
          checks.map((c) => c.newsletterId),
          // Hashes are hex: a comma cannot occur in one.
          checks.map((c) => c.emailHashes.join(',')),
        ],
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      return checks.map((c) => byId.get(c.delivery.id)!);
    },
  );

  private readonly sentMarks = new Coalescer(async (marks: Array<{ id: string; messageId: string }>) => {
    const rows = await preparedQuery<{ id: string }>(
      this.db,
      'delivery-mark-sent',
      `UPDATE deliveries d
          SET status = 'sent', error = NULL, message_id = m.message_id, attempts = d.attempts + 1,
              updated_at = now(), sent_at = now()
         FROM unnest($1::bigint[], $2::text[]) AS m(id, message_id)
        WHERE d.id = m.id AND d.status = 'queued'
       RETURNING d.id::text AS id`,
      [marks.map((m) => m.id), marks.map((m) => m.messageId)],
    );
    const marked = new Set(rows.map((r) => r.id));
    return marks.map((m) => marked.has(m.id));
  });

  /**
   * Adds a batch's sends (markSent calls that returned true) to the issue's counter while
   * it is sending; once complete, its counters are already exact (completeIssueIfDone).
   */
  async addSent(issueId: string, count: number): Promise<void> {
    if (count <= 0) return;
    await this.db.query(`UPDATE issues SET sent = sent + $2 WHERE id = $1 AND status = 'sending'`, [issueId, count]);
  }

  markFailed(id: string, reason: string): Promise<boolean> {
    return this.finish(id, 'failed', reason, { countAttempt: true });
  }

  markSkipped(id: string, reason: string): Promise<boolean> {
    return this.finish(id, 'skipped', reason, { countAttempt: false });
  }

  /**
   * A temporary failure: the delivery stays queued for the next attempt, unless it has
   * used all its attempts, in which case it fails with the last reason.
   */
  async recordTemporaryFailure(id: string, reason: string, maxAttempts: number): Promise<'queued' | 'failed' | null> {
    const rows = (await this.db.query(
      `WITH d AS (
         UPDATE deliveries
            SET attempts = attempts + 1, error = $2, updated_at = now(),
                status = CASE WHEN attempts + 1 >= $3 THEN 'failed' ELSE 'queued' END
          WHERE id = $1 AND status = 'queued'
          RETURNING issue_id, status),
       c AS (UPDATE issues i SET failed = i.failed + 1 FROM d WHERE i.id = d.issue_id AND d.status = 'failed')
       SELECT status FROM d`,
      [id, reason.slice(0, 1000), maxAttempts],
    )) as Array<{ status: 'queued' | 'failed' }>;
    return rows[0]?.status ?? null;
  }

  /**
   * Marks the issue sent once no delivery is queued, its counters counted from its
   * deliveries (a batch that died before adding its sends is counted too); returns
   * whether it just finished. The count runs only for the statement that finishes it.
   */
  async completeIssueIfDone(issueId: string): Promise<boolean> {
    const rows = (await this.db.query(
      `WITH done AS (
         UPDATE issues SET status = 'sent', finished_at = now(),
                (sent, failed, skipped) = (
                  SELECT count(*) FILTER (WHERE status = 'sent'), count(*) FILTER (WHERE status = 'failed'),
                         count(*) FILTER (WHERE status = 'skipped')
                    FROM deliveries WHERE issue_id = $1)
          WHERE id = $1 AND status = 'sending'
            AND NOT EXISTS (SELECT 1 FROM deliveries WHERE issue_id = $1 AND status = 'queued')
          RETURNING id)
       SELECT id FROM done`,
      [issueId],
    )) as unknown[];
    return rows.length > 0;
  }

  /** A final status other than sent; the issue's counter of that name moves in the same statement. */
  private async finish(
    id: string,
    status: 'failed' | 'skipped',
    reason: string,
    { countAttempt }: { countAttempt: boolean },
  ): Promise<boolean> {
    const rows = (await this.db.query(
      `WITH d AS (
         UPDATE deliveries
            SET status = $2, error = $3, updated_at = now(), attempts = attempts + $4
          WHERE id = $1 AND status = 'queued'
          RETURNING issue_id),
       c AS (UPDATE issues i SET ${status} = i.${status} + 1 FROM d WHERE i.id = d.issue_id RETURNING i.id)
       SELECT id FROM c`,
      [id, status, reason.slice(0, 1000), countAttempt ? 1 : 0],
    )) as unknown[];
    return rows.length > 0;
  }
}
