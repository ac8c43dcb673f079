import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { IssueContent, IssueContentArticle, IssueStatus } from '@app/database';
import { CANDIDATE_LIMIT, LEAD_ARTICLES, RELATED_PER_LEAD } from '../digest.constants';
import { FanOutService } from '../delivery/fan-out.service';
import { CandidateArticle, normaliseTopics, rankArticles } from './article-ranking';
import { DigestRenderer, slugify } from './digest-renderer';

/**
 * Articles ingested late (a feed polled after the previous issue went out, dated a
 * little before it) still get their chance: they count as new if created after the
 * previous issue and published at most this long before it.
 */
const LATE_ARRIVAL_GRACE_HOURS = 6;

export type BuildOutcome =
  { status: 'missing' } | { status: Exclude<IssueStatus, 'building'>; recipients?: number; articles?: number };

interface IssueRow {
  id: string;
  newsletterId: string;
  status: IssueStatus;
  dryRun: boolean;
  createdAt: Date;
}

interface NewsletterRow {
  id: string;
  slug: string;
  name: string;
  topics: string[];
  timezone: string;
  maxArticles: number;
}

/**
 * Builds an issue: picks the articles, renders the digest once, stores it, and (unless a
 * dry run) creates every delivery, all in one transaction with the issue row locked.
 * Running it twice (a retried or duplicated job) changes nothing the second time.
 */
@Injectable()
export class DigestBuilder {
  private readonly logger = new Logger(DigestBuilder.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly renderer: DigestRenderer,
    private readonly fanOut: FanOutService,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'firstIssueLookbackHours'>,
  ) {}

  async build(issueId: string): Promise<BuildOutcome> {
    const outcome = await this.db.transaction((tx) => this.buildLocked(tx, issueId));
    // After commit: the batches are enqueued only once the deliveries exist. A crash in
    // between is repaired by the reconciler (or by this job's retry, which lands here).
    if (outcome.status === 'sending') await this.fanOut.enqueueBatches(issueId);
    return outcome;
  }

  private async buildLocked(tx: EntityManager, issueId: string): Promise<BuildOutcome> {
    const [issue] = (await tx.query(
      `SELECT id, newsletter_id AS "newsletterId", status, dry_run AS "dryRun", created_at AS "createdAt"
         FROM issues WHERE id = $1 FOR UPDATE`,
      [issueId],
    )) as IssueRow[];
    if (!issue) return { status: 'missing' };
    if (issue.status !== 'building') return { status: issue.status };
    // Two issues of one newsletter building at once must not pick the same articles.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('digest-build:' || $1::text))`, [issue.newsletterId]);
    const [newsletter] = (await tx.query(
      `SELECT id, slug, name, topics, timezone, max_articles AS "maxArticles" FROM newsletters WHERE id = $1`,
      [issue.newsletterId],
    )) as NewsletterRow[];

    const chosen = await this.chooseArticles(tx, issue, newsletter);
    const articles = issue.dryRun ? chosen : await this.claim(tx, issue, chosen);
    if (articles.length === 0) {
      await tx.query(
        `UPDATE issues SET status = 'skipped', content = $2, error = $3, started_at = now(), finished_at = now()
          WHERE id = $1`,
        [issue.id, { articles: [] } satisfies IssueContent, 'no new articles for this newsletter'],
      );
      this.logger.log(`issue ${issue.id} of ${newsletter.slug} skipped: no new articles`);
      return { status: 'skipped', articles: 0, recipients: 0 };
    }

    const content: IssueContent = { articles: await this.withRelatedReads(tx, articles) };
    const webSlug = slugify(content.articles[0].title);
    const compiled = await this.renderer.compile({ id: issue.id, webSlug, at: new Date() }, newsletter, content);
    await tx.query(`UPDATE issues SET subject = $2, web_slug = $3, html = $4, text = $5, content = $6 WHERE id = $1`, [
      issue.id,
      compiled.subject,
      webSlug,
      compiled.html,
      compiled.text,
      content,
    ]);

    if (issue.dryRun) {
      await tx.query(`UPDATE issues SET status = 'skipped', started_at = now(), finished_at = now() WHERE id = $1`, [
        issue.id,
      ]);
      this.logger.log(`dry run ${issue.id} of ${newsletter.slug} rendered (${articles.length} articles), nothing sent`);
      return { status: 'skipped', articles: articles.length, recipients: 0 };
    }

    const recipients = await this.fanOut.createDeliveries(tx, issue.id, newsletter.id);
    const status = recipients > 0 ? 'sending' : 'sent';
    await tx.query(
      `UPDATE issues SET status = $2, recipients = $3, started_at = now(),
              finished_at = CASE WHEN $2 = 'sent' THEN now() END
        WHERE id = $1`,
      [issue.id, status, recipients],
    );
    this.logger.log(`issue ${issue.id} of ${newsletter.slug}: ${articles.length} articles, ${recipients} recipients`);
    return { status, recipients, articles: articles.length };
  }

  /** New, on-topic articles since the previous issue, best first, at most max_articles. */
  private async chooseArticles(
    tx: EntityManager,
    issue: IssueRow,
    newsletter: NewsletterRow,
  ): Promise<CandidateArticle[]> {
    const [previous] = (await tx.query(
      `SELECT max(created_at) AS at FROM issues
        WHERE newsletter_id = $1 AND id <> $2 AND NOT dry_run AND status IN ('sending', 'sent', 'skipped')
          AND created_at <= $3`,
      [newsletter.id, issue.id, issue.createdAt],
    )) as Array<{ at: Date | null }>;
    const now = Date.now();
    const since = previous?.at ?? new Date(now - this.config.firstIssueLookbackHours * 3_600_000);
    const floor = previous?.at ? new Date(since.getTime() - LATE_ARRIVAL_GRACE_HOURS * 3_600_000) : since;
    const topics = normaliseTopics(newsletter.topics);
    const candidates = (await tx.query(
      `SELECT a.id, a.title, a.url, a.summary, a.topics, a.published_at AS "publishedAt", a.image_url AS "imageUrl"
         FROM articles a
        WHERE a.published_at > $1 AND a.published_at <= now()
          AND (a.published_at > $2 OR a.created_at > $2)
          AND a.url ~* '^https?://'
          AND (cardinality($3::text[]) = 0 OR ARRAY(SELECT lower(btrim(t)) FROM unnest(a.topics) t) && $3::text[])
          AND NOT EXISTS (SELECT 1 FROM issue_articles ia WHERE ia.newsletter_id = $4 AND ia.article_id = a.id)
        ORDER BY a.published_at DESC
        LIMIT $5`,
      [floor, since, topics, newsletter.id, CANDIDATE_LIMIT],
    )) as CandidateArticle[];
    return rankArticles(candidates, topics, new Date(now), newsletter.maxArticles);
  }

  /** Records the articles as used by this newsletter; keeps only those no other issue took. */
  private async claim(tx: EntityManager, issue: IssueRow, articles: CandidateArticle[]): Promise<CandidateArticle[]> {
    if (articles.length === 0) return [];
    const rows = (await tx.query(
      `INSERT INTO issue_articles (issue_id, article_id, newsletter_id, position)
       SELECT $1, a.id, $2, a.position
         FROM unnest($3::uuid[]) WITH ORDINALITY AS a(id, position)
       ON CONFLICT DO NOTHING
       RETURNING article_id AS "articleId"`,
      [issue.id, issue.newsletterId, articles.map((a) => a.id)],
    )) as Array<{ articleId: string }>;
    const claimed = new Set(rows.map((r) => r.articleId));
    return articles.filter((a) => claimed.has(a.id));
  }

  /** Up to three related reads from the archive for each lead article, none repeated. */
  private async withRelatedReads(tx: EntityManager, articles: CandidateArticle[]): Promise<IssueContentArticle[]> {
    const leads = articles.slice(0, LEAD_ARTICLES).map((a) => a.id);
    const rows = (await tx.query(
      `SELECT ra.article_id AS "articleId", r.id, r.title, r.url
         FROM related_articles ra JOIN articles r ON r.id = ra.related_id
        WHERE ra.article_id = ANY($1::uuid[]) AND NOT (ra.related_id = ANY($2::uuid[]))
        ORDER BY ra.score DESC`,
      [leads, articles.map((a) => a.id)],
    )) as Array<{ articleId: string; id: string; title: string; url: string }>;
    const used = new Set<string>();
    const related = new Map<string, Array<{ id: string; title: string; url: string }>>();
    for (const lead of leads) {
      const picks: Array<{ id: string; title: string; url: string }> = [];
      for (const r of rows) {
        if (picks.length >= RELATED_PER_LEAD) break;
        if (r.articleId !== lead || used.has(r.id)) continue;
        used.add(r.id);
        picks.push({ id: r.id, title: r.title, url: r.url });
      }
      related.set(lead, picks);
    }
    return articles.map((a) => ({
      id: a.id,
      title: a.title,
      url: a.url,
      summary: a.summary,
      publishedAt: new Date(a.publishedAt).toISOString(),
      topics: a.topics,
      imageUrl: a.imageUrl,
      related: related.get(a.id) ?? [],
    }));
  }
}
