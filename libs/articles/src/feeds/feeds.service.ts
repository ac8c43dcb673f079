import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { CLOCK, Clock, WeightedSemaphore } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Feed } from '@app/database';
import { ArticlesService, IngestedArticle } from '../articles.service';
import { ArticleInput } from '../ingest/article-input';
import { normaliseTopics } from '../ingest/prepare-article';
import { canonicalUrl, InvalidUrlError } from '../text/canonical-url';
import { feedArticles, FeedError, fetchFeed, parseFeed } from './feed-reader';
import { FeedScheduler } from './feed-scheduler';

export interface FeedView {
  id: string;
  url: string;
  topics: string[];
  intervalMinutes: number;
  lastPolledAt: Date | null;
  lastError: string | null;
  createdAt: Date;
}

export type PollResult =
  | { status: 'not-modified' }
  | { status: 'polled'; items: number; ingested: number; skipped: number }
  | { status: 'failed'; error: string }
  | { status: 'unknown-feed' };

export const DEFAULT_FEED_INTERVAL_MINUTES = 10;

/**
 * Characters of fetched feed text parsed and ingested at once in a process. Parsing holds
 * about ten times a feed's size until its items are stored (a 10 MB feed kept ~117 MB live),
 * so four large feeds polled together kept ~300 MB; with this budget a feed near the 10 MB
 * cap is worked on alone while small ones share it. Fetching stays concurrent.
 */
export const FEED_PARSE_BUDGET_CHARS = 12_000_000;

/** Redis (the queue) refused the feed's scheduler; the worker installs it at its next sync. */
export class FeedSchedulingError extends Error {}

/** RSS/Atom feeds: registration, polling (conditional GET) and one-off imports. */
@Injectable()
export class FeedsService {
  private readonly logger = new Logger(FeedsService.name);
  private readonly parsing = new WeightedSemaphore(FEED_PARSE_BUDGET_CHARS);

  constructor(
    @InjectRepository(Feed) private readonly feeds: Repository<Feed>,
    private readonly dataSource: DataSource,
    private readonly articles: ArticlesService,
    private readonly scheduler: FeedScheduler,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(CLOCK) private readonly now: Clock = Date.now,
  ) {}

  /**
   * Registers a feed and (re)schedules its polling. Adding a URL that is
   * already registered returns the existing feed (created: false).
   */
  async add(input: { url: string; topics?: string[]; intervalMinutes?: number }): Promise<{
    feed: FeedView;
    created: boolean;
  }> {
    const url = feedUrl(input.url);
    const inserted: Array<{ id: string }> = await this.dataSource.query(
      `INSERT INTO feeds (url, topics, interval_minutes) VALUES ($1, $2, $3)
       ON CONFLICT (url) DO NOTHING RETURNING id`,
      [url, normaliseTopics(input.topics), input.intervalMinutes ?? DEFAULT_FEED_INTERVAL_MINUTES],
    );
    const feed = await this.feeds.findOneByOrFail({ url });
    // Also for an existing feed: re-adding it repairs a scheduler lost with Redis.
    try {
      await this.scheduler.schedule(feed);
    } catch (err) {
      this.logger.warn(`feed ${feed.id} saved but not scheduled: ${(err as Error).message}`);
      throw new FeedSchedulingError('the feed is saved but its polling could not be scheduled (queue unavailable)');
    }
    return { feed: view(feed), created: inserted.length > 0 };
  }

  async list(): Promise<FeedView[]> {
    return (await this.feeds.find({ order: { createdAt: 'ASC' } })).map(view);
  }

  /**
   * Polls one feed: conditional GET (ETag / Last-Modified), parse, ingest the
   * items not seen before. A failure (network, timeout, HTTP error, malformed
   * XML) is recorded on the feed and returned, never thrown.
   */
  async poll(feedId: string): Promise<PollResult> {
    const feed = await this.feeds.findOneBy({ id: feedId });
    if (!feed) return { status: 'unknown-feed' };
    const polledAt = new Date(this.now());
    try {
      const fetched = await fetchFeed(feed.url, {
        etag: feed.etag,
        lastModified: feed.lastModified,
        timeoutMs: this.config.feedTimeoutMs,
      });
      if (fetched.status === 'not-modified') {
        await this.feeds.update(feed.id, { lastPolledAt: polledAt, lastError: null });
        return { status: 'not-modified' };
      }
      const { inputs, skipped, ingested } = await this.ingestFetched(fetched.xml, feed.topics, polledAt);
      // Validators are stored only once the items are safely in: a failed ingest refetches next time.
      await this.feeds.update(feed.id, {
        etag: fetched.etag,
        lastModified: fetched.lastModified,
        lastPolledAt: polledAt,
        lastError: null,
      });
      if (ingested.length) this.logger.log(`feed ${feed.id} (${hostOf(feed.url)}): ${ingested.length} new article(s)`);
      return { status: 'polled', items: inputs.length + skipped, ingested: ingested.length, skipped };
    } catch (err) {
      const error = failureMessage(err);
      await this.feeds.update(feed.id, { lastPolledAt: polledAt, lastError: error });
      this.logger.warn(`feed ${feed.id} (${hostOf(feed.url)}) poll failed: ${error}`);
      return { status: 'failed', error };
    }
  }

  /** The feed's items not stored yet, parsed and ingested within the process's parsing budget. */
  private async ingestFetched(
    xml: string,
    topics: string[],
    polledAt: Date,
  ): Promise<{ inputs: ArticleInput[]; skipped: number; ingested: IngestedArticle[] }> {
    const release = await this.parsing.acquire(xml.length);
    try {
      const { inputs, skipped } = feedArticles(await parseFeed(xml), topics, polledAt);
      const fresh = await this.unseen(inputs);
      return { inputs, skipped, ingested: fresh.length ? await this.articles.ingest(fresh) : [] };
    } finally {
      release();
    }
  }

  /** One-off import of every item of a feed URL (the CLI); not registered for polling. */
  async importFeed(
    url: string,
    onProgress?: (done: number, total: number) => void,
  ): Promise<{ results: IngestedArticle[]; skipped: number }> {
    const fetched = await fetchFeed(feedUrl(url), { timeoutMs: this.config.feedTimeoutMs });
    if (fetched.status !== 'ok') return { results: [], skipped: 0 };
    const { inputs, skipped } = feedArticles(await parseFeed(fetched.xml), [], new Date(this.now()));
    const results = await this.articles.ingest(inputs, { onProgress: (done) => onProgress?.(done, inputs.length) });
    return { results, skipped };
  }

  /** Items whose canonical URL is not stored yet. */
  private async unseen(inputs: ArticleInput[]): Promise<ArticleInput[]> {
    if (inputs.length === 0) return [];
    const urls = inputs.map((i) => canonicalUrl(i.url));
    const rows: Array<{ url: string }> = await this.dataSource.query(
      `SELECT url FROM articles WHERE url = ANY($1::text[])`,
      [urls],
    );
    const known = new Set(rows.map((r) => r.url));
    return inputs.filter((_, i) => !known.has(urls[i]));
  }
}

/** A feed URL as stored: absolute http(s), fragment dropped (the query may select the feed, so it stays). */
export function feedUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new InvalidUrlError('url must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidUrlError('url must be an absolute http(s) URL');
  }
  url.hash = '';
  return url.toString();
}

function view(feed: Feed): FeedView {
  return {
    id: feed.id,
    url: feed.url,
    topics: feed.topics,
    intervalMinutes: feed.intervalMinutes,
    lastPolledAt: feed.lastPolledAt,
    lastError: feed.lastError,
    createdAt: feed.createdAt,
  };
}

/** Logs name the host only: a feed URL's path or query may carry an access key. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid-url';
  }
}

function failureMessage(err: unknown): string {
  if (err instanceof FeedError) return err.message;
  const message = err instanceof Error ? err.message : String(err);
  return `ingestion failed: ${message.split('\n')[0].slice(0, 300)}`;
}
