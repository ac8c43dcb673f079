import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CLOCK, Clock } from '@app/common';
import { JobQueue } from '@app/queues';
import { confirmationJobId } from '../mails/confirmation-job';
import { SuppressionService } from '../suppression/suppression.service';

/** Younger sign-ups are left alone: the API's own enqueue may still be on its way. */
export const CONFIRMATION_GRACE_MS = 2 * 60 * 1000;
/**
 * Older sign-ups are not chased: a confirmation arriving weeks after the form was
 * filled in reads like spam (the purge deletes them at 30 days anyway).
 */
export const CONFIRMATION_REQUEUE_WINDOW_DAYS = 7;
/** Readers looked at per query. */
const PAGE = 1000;

interface Candidate {
  id: string;
  email: string;
  newsletter_ids: string[];
}

/**
 * Postgres is the truth, Redis carries work: a sign-up is committed before its
 * send-confirmation job is queued, so a Redis hiccup in between leaves a pending reader
 * no mail will ever reach. This finds readers with pending sign-ups who were never sent
 * a confirmation (not erased, not suppressed) and queues it again. Safe to run anywhere,
 * any time: the send claims its slot in the database, so nobody gets two (the hourly job
 * id also collapses this requeue's own repeats).
 */
@Injectable()
export class ConfirmationRequeueService {
  private readonly logger = new Logger(ConfirmationRequeueService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly suppression: SuppressionService,
    private readonly jobs: JobQueue,
    @Optional() @Inject(CLOCK) private readonly now: Clock = Date.now,
  ) {}

  async requeueMissing(): Promise<{ requeued: number }> {
    const now = this.now();
    const before = new Date(now - CONFIRMATION_GRACE_MS);
    const since = new Date(now - CONFIRMATION_REQUEUE_WINDOW_DAYS * 24 * 3600 * 1000);
    let requeued = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const page = await this.candidates(since, before, after);
      if (page.length === 0) break;
      after = page[page.length - 1].id;
      const suppressed = await this.suppression.suppressedAmong(page.map((c) => c.email));
      const wanted = page.filter((c) => !suppressed.has(c.email));
      await this.jobs.addBulk(
        'send-confirmation',
        wanted.map((c) => ({
          data: { subscriberId: c.id, newsletterIds: c.newsletter_ids },
          opts: { jobId: confirmationJobId(c.id, now) },
        })),
      );
      requeued += wanted.length;
      if (page.length < PAGE) break;
    }
    if (requeued > 0) this.logger.warn(`queued ${requeued} confirmation mails that were never sent`);
    return { requeued };
  }

  private candidates(since: Date, before: Date, after: string): Promise<Candidate[]> {
    return this.db.query(
      `SELECT s.id, s.email, array_agg(x.newsletter_id::text ORDER BY x.newsletter_id) AS newsletter_ids
       FROM subscriptions x JOIN subscribers s ON s.id = x.subscriber_id
       WHERE x.status = 'pending' AND x.created_at >= $1 AND x.created_at < $2
         AND s.id > $3 AND s.status = 'active' AND s.email IS NOT NULL AND s.last_confirmation_sent_at IS NULL
       GROUP BY s.id, s.email
       ORDER BY s.id
       LIMIT $4`,
      [since, before, after, PAGE],
    );
  }
}
