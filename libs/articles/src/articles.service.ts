import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ArticleInput } from './ingest/article-input';
import { PreparedArticle, prepareArticle } from './ingest/prepare-article';
import { RelatedIndex, withDeadlockRetry } from './related/related-index';

export interface IngestedArticle {
  id: string;
  url: string;
  title: string;
  summary: string;
  /** created: a new URL; updated: an existing canonical URL re-posted. */
  status: 'created' | 'updated';
}

export interface IngestOptions {
  /**
   * Compute related lists (default true). A bulk archive load may skip them:
   * the articles are indexed (so later articles relate to them) but their own
   * lists stay empty until they are re-ingested.
   */
  relate?: boolean;
  /** Called after each chunk with the number of articles done so far. */
  onProgress?: (done: number) => void;
}

export interface RelatedArticleView {
  id: string;
  title: string;
  url: string;
  score: number;
  summary: string;
  publishedAt: Date;
  imageUrl: string | null;
  topics: string[];
}

export interface ArticleView {
  id: string;
  url: string;
  title: string;
  body: string;
  summary: string;
  summaryGenerated: boolean;
  topics: string[];
  section: string | null;
  author: string | null;
  publishedAt: Date;
  imageUrl: string | null;
  /** Set when this article re-posts another story (it is never listed as related). */
  duplicateOf: string | null;
  related: Array<{ id: string; title: string; url: string; score: number }>;
}

/** Articles written per transaction: bounds lock time and memory on large imports. */
const CHUNK_SIZE = 200;
export const DEFAULT_RELATED_LIMIT = 5;

/**
 * Article ingestion and reads. Ingestion sanitises, summarises, upserts by
 * canonical URL, indexes terms and maintains related lists; the API, the
 * worker (feeds) and the CLI all go through `ingest()`.
 */
@Injectable()
export class ArticlesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly relatedIndex: RelatedIndex,
  ) {}

  /**
   * Upserts articles by canonical URL (a re-post updates, never duplicates).
   * Results are in input order; an article given twice gets the same id twice.
   * Inputs must be validated (parseArticlePayload) or built by trusted code.
   */
  async ingest(inputs: ArticleInput[], options: IngestOptions = {}): Promise<IngestedArticle[]> {
    const results: IngestedArticle[] = [];
    for (let start = 0; start < inputs.length; start += CHUNK_SIZE) {
      const prepared = inputs.slice(start, start + CHUNK_SIZE).map(prepareArticle);
      results.push(...(await this.ingestChunk(prepared, options.relate ?? true)));
      options.onProgress?.(results.length);
    }
    return results;
  }

  private async ingestChunk(prepared: PreparedArticle[], relate: boolean): Promise<IngestedArticle[]> {
    // The same URL twice in one batch: the last copy wins (one statement cannot upsert a row twice).
    const byUrl = new Map(prepared.map((p) => [p.url, p]));
    const unique = [...byUrl.values()];
    const { stored, pending } = await withDeadlockRetry(() =>
      this.dataSource.transaction(async (m) => {
        const stored = await upsertArticles(m, unique);
        const pending = await this.indexChanged(m, unique, stored);
        return { stored, pending };
      }),
    );
    if (relate && pending.length) await this.relatedIndex.relate(pending);
    return prepared.map((p) => {
      const row = stored.get(p.url)!;
      const final = byUrl.get(p.url)!;
      return {
        id: row.id,
        url: p.url,
        title: final.title,
        summary: final.summary,
        status: row.inserted ? 'created' : 'updated',
      };
    });
  }

  /** Re-indexes what changed; returns the ids whose related lists must be (re)computed. */
  private async indexChanged(
    m: EntityManager,
    articles: PreparedArticle[],
    stored: Map<string, { id: string; inserted: boolean }>,
  ): Promise<string[]> {
    const ids = articles.map((a) => stored.get(a.url)!.id);
    const state: Array<{ article_id: string; fingerprint: string; related: boolean }> = await m.query(
      `SELECT article_id, fingerprint, related_at IS NOT NULL AS related FROM article_index
       WHERE article_id = ANY($1::uuid[])`,
      [ids],
    );
    const known = new Map(state.map((s) => [s.article_id, s]));
    const changed = articles.filter((a) => known.get(stored.get(a.url)!.id)?.fingerprint !== a.fingerprint);
    await this.relatedIndex.index(
      m,
      changed.map((a) => ({ articleId: stored.get(a.url)!.id, counts: a.termCounts, fingerprint: a.fingerprint })),
    );
    const changedIds = new Set(changed.map((a) => stored.get(a.url)!.id));
    // Also pick up articles whose lists were never computed (bulk-loaded, or interrupted before relating).
    return ids.filter((id) => changedIds.has(id) || !known.get(id)?.related);
  }

  async findById(id: string, relatedLimit = DEFAULT_RELATED_LIMIT): Promise<ArticleView | null> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT a.id, a.url, a.title, a.body, a.summary, a.summary_generated, a.topics, a.section, a.author,
              a.published_at, a.image_url, i.duplicate_of
       FROM articles a LEFT JOIN article_index i ON i.article_id = a.id WHERE a.id = $1`,
      [id],
    );
    if (rows.length === 0) return null;
    const a = rows[0];
    const related = (await this.relatedFor([id], relatedLimit, { excludeGiven: false })).get(id) ?? [];
    return {
      id: a.id as string,
      url: a.url as string,
      title: a.title as string,
      body: a.body as string,
      summary: a.summary as string,
      summaryGenerated: a.summary_generated as boolean,
      topics: a.topics as string[],
      section: a.section as string | null,
      author: a.author as string | null,
      publishedAt: a.published_at as Date,
      imageUrl: a.image_url as string | null,
      duplicateOf: a.duplicate_of as string | null,
      related: related.map((r) => ({ id: r.id, title: r.title, url: r.url, score: r.score })),
    };
  }

  /**
   * The stored related articles of each given article, best first, at most
   * `limit` each. By default articles among `articleIds` are left out (a
   * digest does not recommend what it already contains).
   */
  async relatedFor(
    articleIds: string[],
    limit = DEFAULT_RELATED_LIMIT,
    options: { excludeGiven?: boolean } = {},
  ): Promise<Map<string, RelatedArticleView[]>> {
    const result = new Map<string, RelatedArticleView[]>(articleIds.map((id) => [id, []]));
    if (articleIds.length === 0 || limit <= 0) return result;
    const rows: Array<{
      article_id: string;
      id: string;
      title: string;
      url: string;
      score: number;
      summary: string;
      published_at: Date;
      image_url: string | null;
      topics: string[];
    }> = await this.dataSource.query(
      `SELECT article_id, id, title, url, score, summary, published_at, image_url, topics FROM (
         SELECT r.article_id, a.id, a.title, a.url, r.score, a.summary, a.published_at, a.image_url, a.topics,
                row_number() OVER (PARTITION BY r.article_id ORDER BY r.score DESC, a.id) AS rank
         FROM related_articles r JOIN articles a ON a.id = r.related_id
         WHERE r.article_id = ANY($1::uuid[]) AND NOT ($3::boolean AND r.related_id = ANY($1::uuid[]))
       ) ranked WHERE rank <= $2 ORDER BY article_id, rank`,
      [articleIds, limit, options.excludeGiven ?? true],
    );
    for (const r of rows) {
      result.get(r.article_id)?.push({
        id: r.id,
        title: r.title,
        url: r.url,
        score: Number(r.score),
        summary: r.summary,
        publishedAt: r.published_at,
        imageUrl: r.image_url,
        topics: r.topics,
      });
    }
    return result;
  }
}

/** One statement for the whole chunk: insert new URLs, update existing ones. */
async function upsertArticles(
  m: EntityManager,
  articles: PreparedArticle[],
): Promise<Map<string, { id: string; inserted: boolean }>> {
  const column = <K extends keyof PreparedArticle>(key: K) => articles.map((a) => a[key]);
  const rows: Array<{ id: string; url: string; inserted: boolean }> = await m.query(
    `INSERT INTO articles (url, title, body, body_text, summary, summary_generated, topics, section, author,
                           published_at, image_url, content_hash)
     SELECT u.url, u.title, u.body, u.body_text, u.summary, u.summary_generated,
            ARRAY(SELECT jsonb_array_elements_text(u.topics::jsonb)), u.section, u.author,
            u.published_at, u.image_url, u.content_hash
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::text[],
                 $8::text[], $9::text[], $10::timestamptz[], $11::text[], $12::text[])
       AS u(url, title, body, body_text, summary, summary_generated, topics, section, author,
            published_at, image_url, content_hash)
     ON CONFLICT (url) DO UPDATE SET
       title = EXCLUDED.title, body = EXCLUDED.body, body_text = EXCLUDED.body_text,
       summary = EXCLUDED.summary, summary_generated = EXCLUDED.summary_generated, topics = EXCLUDED.topics,
       section = EXCLUDED.section, author = EXCLUDED.author, published_at = EXCLUDED.published_at,
       image_url = EXCLUDED.image_url, content_hash = EXCLUDED.content_hash, updated_at = now()
     RETURNING id, url, (xmax = 0) AS inserted`,
    [
      column('url'),
      column('title'),
      column('body'),
      column('bodyText'),
      column('summary'),
      column('summaryGenerated'),
      articles.map((a) => JSON.stringify(a.topics)),
      column('section'),
      column('author'),
      column('publishedAt'),
      column('imageUrl'),
      column('contentHash'),
    ],
  );
  return new Map(rows.map((r) => [r.url, { id: r.id, inserted: r.inserted }]));
}
