import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CLOCK, Clock } from '@app/common';

/** Sign-ups not confirmed within this many days are deleted (the privacy notice promises it). */
export const UNCONFIRMED_RETENTION_DAYS = 30;
/** Rows deleted per statement, so a large purge never holds long locks. */
const PURGE_CHUNK = 5000;

/**
 * Deletes sign-ups nobody confirmed: pending subscriptions older than 30 days,
 * then readers left with no subscription at all (they never confirmed anything,
 * so their address and sign-up records have no purpose left).
 */
@Injectable()
export class UnconfirmedPurgeService {
  private readonly logger = new Logger(UnconfirmedPurgeService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Optional() @Inject(CLOCK) private readonly now: Clock = Date.now,
  ) {}

  async purgeExpired(): Promise<{ subscriptions: number; subscribers: number }> {
    const cutoff = new Date(this.now() - UNCONFIRMED_RETENTION_DAYS * 24 * 3600 * 1000);
    let subscriptions = 0;
    let subscribers = 0;
    // DELETE ... RETURNING is read through a CTE: the driver answers a bare DELETE with [rows, count].
    for (;;) {
      const chunk = await this.db.transaction(async (em) => {
        const expired: Array<{ subscriber_id: string }> = await em.query(
          `WITH expired AS (
             DELETE FROM subscriptions WHERE id IN (
               SELECT id FROM subscriptions WHERE status = 'pending' AND created_at < $1 LIMIT $2
               FOR UPDATE SKIP LOCKED)
             RETURNING subscriber_id)
           SELECT subscriber_id FROM expired`,
          [cutoff, PURGE_CHUNK],
        );
        const readers = [...new Set(expired.map((r) => r.subscriber_id))];
        const orphans: unknown[] = readers.length
          ? await em.query(
              `WITH orphans AS (
                 DELETE FROM subscribers s
                 WHERE s.id = ANY($1::uuid[]) AND s.status = 'active'
                   AND NOT EXISTS (SELECT 1 FROM subscriptions x WHERE x.subscriber_id = s.id)
                 RETURNING s.id)
               SELECT id FROM orphans`,
              [readers],
            )
          : [];
        return { subscriptions: expired.length, subscribers: orphans.length };
      });
      subscriptions += chunk.subscriptions;
      subscribers += chunk.subscribers;
      if (chunk.subscriptions < PURGE_CHUNK) break;
    }
    if (subscriptions > 0) {
      this.logger.log(`purged ${subscriptions} unconfirmed subscriptions and ${subscribers} unconfirmed readers`);
    }
    return { subscriptions, subscribers };
  }
}
