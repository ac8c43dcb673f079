import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { IssueStatus } from '@app/database';
import { CompiledMail } from '@app/mail';
import { JobQueue, jobId } from '@app/queues';
import { isValidSlug, NewsletterNotFoundError } from '@app/subscriptions';
import { DigestRenderer, webVersionPath } from '../build/digest-renderer';
import { NewsletterRecommender, recommendNewsletters } from '../recommendations/newsletter-recommender';

export class NewsletterInactiveError extends Error {
  constructor(slug: string) {
    super(`newsletter "${slug}" is not active`);
  }
}

/** An issue as operators see it (GET /admin/issues/:id). */
export interface IssueView {
  id: string;
  newsletter: string;
  status: IssueStatus;
  dryRun: boolean;
  slot: Date | null;
  subject: string;
  recipients: number;
  sent: number;
  failed: number;
  skipped: number;
  /** Deliveries not yet sent, failed or skipped. */
  queued: number;
  error: string | null;
  webVersionPath: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export function buildJobId(issueId: string): string {
  return jobId('build', issueId);
}

/** A sample reader for previews: plausible name, links that go nowhere. */
export const SAMPLE_READER = { name: 'Sam Reader', unsubscribeUrl: '#unsubscribe', preferencesUrl: '#preferences' };

/** Creating issues (scheduled or on demand) and reading them back. */
@Injectable()
export class IssueService {
  private readonly logger = new Logger(IssueService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly jobQueue: JobQueue,
    private readonly renderer: DigestRenderer,
    private readonly recommender: NewsletterRecommender,
  ) {}

  /**
   * The issue of one scheduled slot. Several workers may race here for the same slot:
   * the unique (newsletter_id, slot) key lets exactly one insert win; the others get
   * the existing issue. Returns null when the newsletter is gone or inactive.
   */
  async createForSlot(newsletterId: string, slot: Date): Promise<{ issueId: string; created: boolean } | null> {
    const inserted = (await this.db.query(
      `INSERT INTO issues (newsletter_id, slot, status)
       SELECT id, $2, 'building' FROM newsletters WHERE id = $1 AND active
       ON CONFLICT (newsletter_id, slot) DO NOTHING
       RETURNING id`,
      [newsletterId, slot],
    )) as Array<{ id: string }>;
    if (inserted.length > 0) {
      await this.enqueueBuild(inserted[0].id);
      return { issueId: inserted[0].id, created: true };
    }
    const [existing] = (await this.db.query(`SELECT id FROM issues WHERE newsletter_id = $1 AND slot = $2`, [
      newsletterId,
      slot,
    ])) as Array<{ id: string }>;
    return existing ? { issueId: existing.id, created: false } : null;
  }

  /** An issue built now, outside the schedule (operator request); a dry run sends nothing. */
  async createNow(slug: string, options: { dryRun?: boolean } = {}): Promise<string> {
    if (!isValidSlug(slug)) throw new NewsletterNotFoundError(slug);
    const [newsletter] = (await this.db.query(`SELECT id, active FROM newsletters WHERE slug = $1`, [slug])) as Array<{
      id: string;
      active: boolean;
    }>;
    if (!newsletter) throw new NewsletterNotFoundError(slug);
    if (!newsletter.active) throw new NewsletterInactiveError(slug);
    const [issue] = (await this.db.query(
      `INSERT INTO issues (newsletter_id, slot, status, dry_run) VALUES ($1, NULL, 'building', $2) RETURNING id`,
      [newsletter.id, options.dryRun === true],
    )) as Array<{ id: string }>;
    await this.enqueueBuild(issue.id);
    return issue.id;
  }

  /**
   * Best effort: the issue row is the truth, and the reconciler enqueues the build of
   * any issue left in `building` (e.g. when Redis was unreachable at this moment).
   */
  async enqueueBuild(issueId: string): Promise<void> {
    try {
      await this.jobQueue.add('build-issue', { issueId }, { jobId: buildJobId(issueId) });
    } catch (err) {
      this.logger.warn(`build of issue ${issueId} not enqueued now (${(err as Error).message}); the reconciler will`);
    }
  }

  async markFailed(issueId: string, reason: string): Promise<void> {
    await this.db.query(
      `UPDATE issues SET status = 'failed', error = $2, finished_at = now()
        WHERE id = $1 AND status IN ('building', 'sending')`,
      [issueId, reason.slice(0, 1000)],
    );
  }

  async view(issueId: string): Promise<IssueView | null> {
    const [row] = (await this.db.query(
      `SELECT i.id, n.slug AS newsletter, i.status, i.dry_run AS "dryRun", i.slot, i.subject, i.recipients, i.sent,
              i.failed, i.skipped, i.error, i.web_slug AS "webSlug", i.created_at AS "createdAt",
              i.started_at AS "startedAt", i.finished_at AS "finishedAt",
              (SELECT count(*)::int FROM deliveries d WHERE d.issue_id = i.id AND d.status = 'queued') AS queued
         FROM issues i JOIN newsletters n ON n.id = i.newsletter_id
        WHERE i.id = $1`,
      [issueId],
    )) as Array<IssueView & { webSlug: string }>;
    if (!row) return null;
    const { webSlug, ...view } = row;
    const published = !row.dryRun && (row.status === 'sending' || row.status === 'sent');
    return { ...view, webVersionPath: published ? webVersionPath(row.id, webSlug) : null };
  }

  /** The issue's HTML as a sample reader would get it, or null if it is not rendered (yet). */
  async preview(issueId: string): Promise<string | null> {
    const [row] = (await this.db.query(
      `SELECT newsletter_id AS "newsletterId", subject, html, text FROM issues WHERE id = $1`,
      [issueId],
    )) as Array<{ newsletterId: string; subject: string; html: string | null; text: string | null }>;
    if (!row?.html) return null;
    const compiled = CompiledMail.fromParts({ subject: row.subject, html: row.html, text: row.text ?? '' });
    const recommendations = recommendNewsletters(await this.recommender.catalogue(), { receiving: [row.newsletterId] });
    return this.renderer.personalise(compiled, {
      ...SAMPLE_READER,
      recommendations: recommendations.map((r) => r.newsletter),
    }).html;
  }
}
