import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Feed } from 'feed';
import { DataSource } from 'typeorm';
import { isUuid } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { IssueContent, IssueContentArticle } from '@app/database';
import { isValidSlug } from '@app/subscriptions';
import { webVersionPath } from '../build/digest-renderer';

/** Issues readers can see in public: real issues that went (or are going) out. */
const PUBLISHED = `i.status IN ('sending', 'sent') AND NOT i.dry_run`;
/** Archive pages and feeds list this many recent issues. */
const ARCHIVE_LIMIT = 100;
const FEED_LIMIT = 30;

export interface PublicNewsletter {
  slug: string;
  name: string;
  description: string;
}

/** The web version of an issue: the same stories as the email, no personal links. */
export interface WebIssue {
  id: string;
  subject: string;
  webSlug: string;
  path: string;
  publishedAt: Date;
  newsletter: PublicNewsletter;
  articles: IssueContentArticle[];
}

export interface ArchiveEntry {
  id: string;
  subject: string;
  path: string;
  publishedAt: Date;
  articleCount: number;
  headlines: string[];
}

/** The public side of issues: web versions, the archive of each newsletter and its RSS feed. */
@Injectable()
export class ArchiveService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'publicBaseUrl'>,
  ) {}

  async webIssue(issueId: string): Promise<WebIssue | null> {
    if (!isUuid(issueId)) return null;
    const [row] = (await this.db.query(
      `SELECT i.id, i.subject, i.web_slug AS "webSlug", coalesce(i.started_at, i.created_at) AS "publishedAt",
              i.content, n.slug, n.name, n.description
         FROM issues i JOIN newsletters n ON n.id = i.newsletter_id
        WHERE i.id = $1 AND ${PUBLISHED}`,
      [issueId],
    )) as Array<{
      id: string;
      subject: string;
      webSlug: string;
      publishedAt: Date;
      content: IssueContent | null;
      slug: string;
      name: string;
      description: string;
    }>;
    if (!row) return null;
    return {
      id: row.id,
      subject: row.subject,
      webSlug: row.webSlug,
      path: webVersionPath(row.id, row.webSlug),
      publishedAt: row.publishedAt,
      newsletter: { slug: row.slug, name: row.name, description: row.description },
      articles: row.content?.articles ?? [],
    };
  }

  async newsletter(slug: string): Promise<PublicNewsletter | null> {
    if (!isValidSlug(slug)) return null;
    const [row] = (await this.db.query(`SELECT slug, name, description FROM newsletters WHERE slug = $1 AND active`, [
      slug,
    ])) as PublicNewsletter[];
    return row ?? null;
  }

  /** Sent issues of a newsletter, newest first. */
  async entries(slug: string, limit = ARCHIVE_LIMIT): Promise<ArchiveEntry[]> {
    if (!isValidSlug(slug)) return [];
    const rows = (await this.db.query(
      `SELECT i.id, i.subject, i.web_slug AS "webSlug", coalesce(i.started_at, i.created_at) AS "publishedAt",
              i.content
         FROM issues i JOIN newsletters n ON n.id = i.newsletter_id
        WHERE n.slug = $1 AND i.status = 'sent' AND NOT i.dry_run
        ORDER BY i.finished_at DESC NULLS LAST
        LIMIT $2`,
      [slug, limit],
    )) as Array<{ id: string; subject: string; webSlug: string; publishedAt: Date; content: IssueContent | null }>;
    return rows.map((r) => ({
      id: r.id,
      subject: r.subject,
      path: webVersionPath(r.id, r.webSlug),
      publishedAt: r.publishedAt,
      articleCount: r.content?.articles.length ?? 0,
      headlines: (r.content?.articles ?? []).map((a) => a.title),
    }));
  }

  /** RSS 2.0 of the newsletter's sent issues, or null for an unknown newsletter. */
  async rss(slug: string): Promise<string | null> {
    const newsletter = await this.newsletter(slug);
    if (!newsletter) return null;
    const entries = await this.entries(slug, FEED_LIMIT);
    const base = this.config.publicBaseUrl;
    const feed = new Feed({
      id: `${base}/archive/${encodeURIComponent(slug)}`,
      title: newsletter.name,
      description: newsletter.description || `Past issues of ${newsletter.name}`,
      link: `${base}/archive/${encodeURIComponent(slug)}`,
      feedLinks: { rss: `${base}/archive/${encodeURIComponent(slug)}/feed.xml` },
      language: 'en',
      updated: entries[0]?.publishedAt ? new Date(entries[0].publishedAt) : undefined,
      copyright: newsletter.name,
      generator: 'Dispatch',
    });
    for (const entry of entries) {
      feed.addItem({
        title: entry.subject,
        id: `${base}${entry.path}`,
        link: `${base}${entry.path}`,
        date: new Date(entry.publishedAt),
        description: entry.headlines.join(' · '),
      });
    }
    return feed.rss2();
  }
}
