import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { settleInLanes } from '@app/common';
import { idf, RELATED_SCORING, relatedScore, tfWeight } from './related-scoring';

/** Reserved key of article_term_stats holding the number of indexed articles (no real term has a '#'). */
export const DOCUMENT_COUNT_KEY = '#documents';

export interface IndexDocument {
  articleId: string;
  /** Term counts (see articleTermCounts). */
  counts: Map<string, number>;
  fingerprint: string;
}

interface Posting {
  term: string;
  tf: number;
}

interface TargetArticle {
  id: string;
  topics: string[];
  publishedAt: Date;
  createdAt: Date;
  contentHash: string;
  postings: Posting[];
}

interface ScoredCandidate {
  id: string;
  cosine: number;
  score: number;
  createdAt: Date;
  publishedAt: Date;
  duplicateOf: string | null;
  nearDuplicate: boolean;
}

interface Pair {
  articleId: string;
  relatedId: string;
  score: number;
}

/**
 * The related-article index, in Postgres so every process shares it.
 *
 * `index()` writes an article's terms (inverted index) and document
 * frequencies inside the caller's ingestion transaction. `relate()` then finds
 * each article's neighbours: candidates come from the postings of the
 * article's strongest terms (plus articles sharing a topic nearest in time),
 * and only those candidates are scored: TF-IDF cosine with the current
 * document frequencies (exact for the front runners), a shared-topic boost and
 * a recency decay. No query touches more than the candidates' own postings.
 * The article's own list is replaced, and it enters the lists of the articles
 * it beats (their weakest entries are displaced). Near-duplicates (the same
 * story re-posted) are never listed.
 */
@Injectable()
export class RelatedIndex {
  private readonly logger = new Logger(RelatedIndex.name);

  constructor(private readonly dataSource: DataSource) {}

  /** Indexes (or re-indexes) articles; their related lists are cleared until `relate()` runs. */
  async index(manager: EntityManager, docs: IndexDocument[]): Promise<void> {
    if (docs.length === 0) return;
    const ids = docs.map((d) => d.articleId);
    const previous: Array<{ article_id: string; term: string }> = await manager.query(
      `SELECT article_id, term FROM article_terms WHERE article_id = ANY($1::uuid[])`,
      [ids],
    );
    const wasIndexed: Array<{ article_id: string }> = await manager.query(
      `SELECT article_id FROM article_index WHERE article_id = ANY($1::uuid[])`,
      [ids],
    );
    const newDocuments = docs.length - wasIndexed.length;

    const allTerms = [...new Set(docs.flatMap((d) => [...d.counts.keys()]))];
    const { documents, df } = await this.stats(manager, allTerms);
    const corpus = documents + newDocuments;
    const delta = new Map<string, number>();
    for (const p of previous) delta.set(p.term, (delta.get(p.term) ?? 0) - 1);

    const rows = { article: [] as string[], term: [] as string[], tf: [] as number[], weight: [] as number[] };
    const norms: number[] = [];
    for (const doc of docs) {
      // Document frequency as it will be once this article counts: never zero.
      const vector = [...doc.counts].map(([term, count]) => {
        const tf = tfWeight(count);
        return { term, tf, w: tf * idf(corpus, (df.get(term) ?? 0) + 1) };
      });
      vector.sort((a, b) => b.w - a.w || (a.term < b.term ? -1 : 1));
      const kept = vector.slice(0, RELATED_SCORING.maxTermsPerArticle);
      const norm = Math.sqrt(kept.reduce((s, v) => s + v.w * v.w, 0)) || 1;
      norms.push(norm);
      for (const v of kept) {
        rows.article.push(doc.articleId);
        rows.term.push(v.term);
        rows.tf.push(v.tf);
        rows.weight.push(v.w / norm);
        delta.set(v.term, (delta.get(v.term) ?? 0) + 1);
      }
    }
    if (newDocuments) delta.set(DOCUMENT_COUNT_KEY, newDocuments);

    await manager.query(`DELETE FROM article_terms WHERE article_id = ANY($1::uuid[])`, [ids]);
    await manager.query(
      `INSERT INTO article_terms (article_id, term, tf, weight)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::real[], $4::real[])`,
      [rows.article, rows.term, rows.tf, rows.weight],
    );
    await manager.query(
      `INSERT INTO article_index (article_id, fingerprint, norm, norm_documents, duplicate_of, indexed_at, related_at)
       SELECT id, fp, norm, $4, NULL, now(), NULL FROM unnest($1::uuid[], $2::text[], $3::float8[]) AS u(id, fp, norm)
       ON CONFLICT (article_id) DO UPDATE
         SET fingerprint = EXCLUDED.fingerprint, norm = EXCLUDED.norm, norm_documents = EXCLUDED.norm_documents,
             duplicate_of = NULL, indexed_at = now(), related_at = NULL`,
      [ids, docs.map((d) => d.fingerprint), norms, corpus],
    );
    if (wasIndexed.length) {
      // What was computed from the old text no longer holds; relate() rebuilds it.
      await manager.query(
        `DELETE FROM related_articles WHERE article_id = ANY($1::uuid[]) OR related_id = ANY($1::uuid[])`,
        [wasIndexed.map((r) => r.article_id)],
      );
    }
    await this.applyDelta(manager, delta);
  }

  /**
   * Document frequencies change last, just before commit: their rows are shared
   * by every ingestion, so they stay locked as briefly as possible, and always
   * in term order so that concurrent ingestions cannot deadlock on them.
   */
  private async applyDelta(manager: EntityManager, delta: Map<string, number>): Promise<void> {
    const entries = [...delta].filter(([, d]) => d !== 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (entries.length === 0) return;
    // A term's delta is negative only when the term already has a row, so nothing negative is ever inserted.
    await manager.query(
      `INSERT INTO article_term_stats AS s (term, df)
       SELECT term, d FROM unnest($1::text[], $2::int[]) WITH ORDINALITY AS u(term, d, n) ORDER BY n
       ON CONFLICT (term) DO UPDATE SET df = greatest(s.df + EXCLUDED.df, 0)`,
      [entries.map(([t]) => t), entries.map(([, d]) => d)],
    );
  }

  /**
   * Computes the related lists of these indexed articles (replacing theirs) and
   * enters each into the lists of the existing articles it beats.
   */
  async relate(articleIds: string[]): Promise<void> {
    if (articleIds.length === 0) return;
    const targets = await this.loadTargets(articleIds);
    const { documents, df } = await this.stats(this.dataSource.manager, [
      ...new Set(targets.flatMap((t) => t.postings.map((p) => p.term))),
    ]);
    const refreshedNorms = new Map<string, number>();
    const results = new Map<string, { duplicateOf: string | null; scored: ScoredCandidate[] }>();
    // Scoring only reads: a bulk import scores a few articles at a time.
    const failures = await settleInLanes(targets.length, RELATED_SCORING.scoringConcurrency, async (index) => {
      const target = targets[index];
      const scored = await this.scoreNeighbours(target, documents, df, refreshedNorms);
      results.set(target.id, { duplicateOf: originalOf(target, scored), scored });
    });
    if (failures.length > 0) throw failures[0];
    const duplicates = new Set([...results].filter(([, r]) => r.duplicateOf).map(([id]) => id));
    const pairs = new Map<string, Pair>();
    const add = (articleId: string, relatedId: string, score: number) => {
      const key = `${articleId}/${relatedId}`;
      const seen = pairs.get(key);
      if (!seen || seen.score < score) pairs.set(key, { articleId, relatedId, score });
    };
    for (const [id, { scored }] of results) {
      const listable = scored.filter(
        (c) => !c.nearDuplicate && !c.duplicateOf && !duplicates.has(c.id) && c.score >= RELATED_SCORING.minScore,
      );
      for (const c of listable.slice(0, RELATED_SCORING.keep)) add(id, c.id, c.score);
      // A re-posted story never enters anyone's list.
      if (!duplicates.has(id)) for (const c of listable.slice(0, RELATED_SCORING.displaceInto)) add(c.id, id, c.score);
    }
    await this.writeLists(results, duplicates, [...pairs.values()], { norms: refreshedNorms, documents });
  }

  private async loadTargets(ids: string[]): Promise<TargetArticle[]> {
    const rows: Array<{
      id: string;
      topics: string[];
      published_at: Date;
      created_at: Date;
      content_hash: string;
      terms: string[];
      tfs: number[];
    }> = await this.dataSource.query(
      `SELECT a.id, a.topics, a.published_at, a.created_at, a.content_hash,
              array_agg(t.term) AS terms, array_agg(t.tf::float8) AS tfs
       FROM articles a JOIN article_terms t ON t.article_id = a.id
       WHERE a.id = ANY($1::uuid[])
       GROUP BY a.id`,
      [ids],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    // In the caller's order (ids the database no longer knows are skipped).
    return ids
      .map((id) => byId.get(id))
      .filter((r): r is (typeof rows)[number] => r !== undefined)
      .map((r) => ({
        id: r.id,
        topics: r.topics,
        publishedAt: r.published_at,
        createdAt: r.created_at,
        contentHash: r.content_hash,
        postings: r.terms.map((term, i) => ({ term, tf: Number(r.tfs[i]) })),
      }));
  }

  /**
   * Candidates from the inverted index (and shared topics), then scored: cosine
   * of TF-IDF vectors with the current document frequencies. The dot product is
   * exact; candidates are ranked with the norm stored at indexing, and the best
   * of them are re-scored with their exact norm (written back when the stored
   * one had gone stale). Best first.
   */
  private async scoreNeighbours(
    target: TargetArticle,
    documents: number,
    df: Map<string, number>,
    refreshedNorms: Map<string, number>,
  ): Promise<ScoredCandidate[]> {
    const weighted = target.postings.map((p) => {
      const termIdf = idf(documents, df.get(p.term) ?? 1);
      return { term: p.term, w: p.tf * termIdf, idf: termIdf };
    });
    const norm = Math.sqrt(weighted.reduce((s, v) => s + v.w * v.w, 0)) || 1;
    const query = weighted.map((v) => ({ ...v, w: v.w / norm })).sort((a, b) => b.w - a.w);
    // Terms most articles share find nothing specific and have the longest postings: leave them out.
    const common = (term: string) => documents >= 1000 && (df.get(term) ?? 0) > documents / 10;
    let seeds = query.filter((v) => !common(v.term)).slice(0, RELATED_SCORING.candidateTerms);
    if (seeds.length < 10) seeds = query.slice(0, RELATED_SCORING.candidateTerms);

    const found: Array<{ id: string }> = await this.dataSource.query(CANDIDATES_SQL, [
      seeds.map((v) => v.term),
      seeds.map((v) => v.w),
      target.id,
      RELATED_SCORING.termCandidates,
      target.topics,
      target.publishedAt,
      RELATED_SCORING.topicCandidates,
      target.contentHash,
    ]);
    if (found.length === 0) return [];
    const candidateIds = found.map((f) => f.id);
    const rows: Array<{
      id: string;
      dot: number;
      norm: number;
      norm_documents: number;
      topics: string[];
      published_at: Date;
      created_at: Date;
      content_hash: string;
      duplicate_of: string | null;
    }> = await this.dataSource.query(SCORE_SQL, [
      query.map((v) => v.term),
      query.map((v) => v.w * v.idf),
      candidateIds,
    ]);
    const candidates = rows.map((r) => ({
      id: r.id,
      dot: Number(r.dot),
      norm: refreshedNorms.get(r.id) ?? Number(r.norm),
      stale: !refreshedNorms.has(r.id) && isStale(Number(r.norm), r.norm_documents, documents),
      meta: { topics: r.topics, publishedAt: r.published_at },
      row: r,
    }));
    const approximate = (c: (typeof candidates)[number]) =>
      relatedScore(c.norm > 0 ? c.dot / c.norm : 0, target, c.meta);
    // Exact norms for the front runners (stale ones are written back): near-duplicates share
    // their rarest terms, whose frequencies move most, so the list and the duplicate test get
    // exact cosines. Bounded work per article, however stale the archive (say, after a bulk load).
    const exact = [...candidates]
      .sort((a, b) => approximate(b) - approximate(a))
      .slice(0, RELATED_SCORING.exactRescore)
      .map((c) => c.id);
    if (exact.length) {
      const fresh: Array<{ id: string; norm: number }> = await this.dataSource.query(NORMS_SQL, [exact, documents]);
      const byId = new Map(fresh.map((f) => [f.id, Number(f.norm)]));
      for (const c of candidates) {
        const norm = byId.get(c.id);
        if (norm === undefined) continue;
        c.norm = norm;
        if (c.stale) refreshedNorms.set(c.id, norm);
      }
    }
    return candidates
      .map((c) => {
        const cosine = c.norm > 0 ? Math.min(1, c.dot / c.norm) : 0;
        const sameText = target.contentHash !== '' && c.row.content_hash === target.contentHash;
        return {
          id: c.id,
          cosine,
          score: relatedScore(cosine, target, c.meta),
          createdAt: c.row.created_at,
          publishedAt: c.row.published_at,
          duplicateOf: c.row.duplicate_of,
          nearDuplicate: sameText || cosine >= RELATED_SCORING.nearDuplicateCosine,
        };
      })
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
  }

  private async writeLists(
    results: Map<string, { duplicateOf: string | null }>,
    duplicates: Set<string>,
    pairs: Pair[],
    refreshed: { norms: Map<string, number>; documents: number },
  ): Promise<void> {
    const ids = [...results.keys()];
    pairs.sort((a, b) => cmp(a.articleId, b.articleId) || cmp(a.relatedId, b.relatedId));
    const touched = [...new Set([...ids, ...pairs.map((p) => p.articleId)])].sort(cmp);
    const norms = [...refreshed.norms].sort(([a], [b]) => cmp(a, b));
    await withDeadlockRetry(() =>
      this.dataSource.transaction(async (m) => {
        if (norms.length) {
          await m.query(
            `UPDATE article_index i SET norm = u.norm, norm_documents = $3
             FROM unnest($1::uuid[], $2::float8[]) AS u(id, norm) WHERE i.article_id = u.id`,
            [norms.map(([id]) => id), norms.map(([, n]) => n), refreshed.documents],
          );
        }
        await m.query(
          `UPDATE article_index i SET duplicate_of = u.dup, related_at = now()
           FROM unnest($1::uuid[], $2::uuid[]) AS u(id, dup) WHERE i.article_id = u.id`,
          [ids, ids.map((id) => results.get(id)?.duplicateOf ?? null)],
        );
        await m.query(`DELETE FROM related_articles WHERE article_id = ANY($1::uuid[])`, [ids]);
        if (duplicates.size) {
          await m.query(`DELETE FROM related_articles WHERE related_id = ANY($1::uuid[])`, [[...duplicates]]);
        }
        if (pairs.length) {
          await m.query(
            `INSERT INTO related_articles (article_id, related_id, score)
             SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::float8[])
             ON CONFLICT (article_id, related_id) DO UPDATE SET score = EXCLUDED.score`,
            [pairs.map((p) => p.articleId), pairs.map((p) => p.relatedId), pairs.map((p) => p.score)],
          );
        }
        // Each touched list keeps its best entries: the weakest are displaced.
        await m.query(
          `DELETE FROM related_articles r USING (
             SELECT article_id, related_id,
                    row_number() OVER (PARTITION BY article_id ORDER BY score DESC, related_id) AS rank
             FROM related_articles WHERE article_id = ANY($1::uuid[])
           ) ranked
           WHERE ranked.rank > $2 AND r.article_id = ranked.article_id AND r.related_id = ranked.related_id`,
          [touched, RELATED_SCORING.keep],
        );
      }),
    );
    this.logger.debug(`related lists written for ${ids.length} article(s), ${pairs.length} pair(s)`);
  }

  private async stats(
    manager: EntityManager,
    terms: string[],
  ): Promise<{ documents: number; df: Map<string, number> }> {
    const rows: Array<{ term: string; df: number }> = await manager.query(
      `SELECT term, df FROM article_term_stats WHERE term = ANY($1::text[])`,
      [[...terms, DOCUMENT_COUNT_KEY]],
    );
    const df = new Map(rows.map((r) => [r.term, Number(r.df)]));
    const documents = df.get(DOCUMENT_COUNT_KEY) ?? 0;
    df.delete(DOCUMENT_COUNT_KEY);
    return { documents, df };
  }
}

/**
 * Candidates: articles sharing the seed terms (ranked by their index-time
 * weights), articles sharing a topic nearest in time on either side, and any
 * with the very same text.
 */
const CANDIDATES_SQL = `
(SELECT p.article_id AS id
 FROM unnest($1::text[], $2::float8[]) AS s(term, qw) JOIN article_terms p ON p.term = s.term
 WHERE p.article_id <> $3 GROUP BY p.article_id ORDER BY sum(p.weight * s.qw) DESC LIMIT $4)
UNION
(SELECT id FROM articles WHERE topics && $5::text[] AND id <> $3 AND published_at <= $6
 ORDER BY published_at DESC LIMIT $7)
UNION
(SELECT id FROM articles WHERE topics && $5::text[] AND id <> $3 AND published_at > $6
 ORDER BY published_at ASC LIMIT $7)
UNION
(SELECT id FROM articles WHERE $8 <> '' AND content_hash = $8 AND id <> $3 LIMIT 5)`;

/** For the candidates only: dot product with the query (weights already × idf) and what scoring needs. */
const SCORE_SQL = `
SELECT a.id, coalesce(d.dot, 0) AS dot, i.norm, i.norm_documents, a.topics, a.published_at, a.created_at,
       a.content_hash, i.duplicate_of
FROM articles a
JOIN article_index i ON i.article_id = a.id
LEFT JOIN (
  SELECT t.article_id, sum(t.tf * q.qx) AS dot
  FROM article_terms t JOIN unnest($1::text[], $2::float8[]) AS q(term, qx) ON q.term = t.term
  WHERE t.article_id = ANY($3::uuid[])
  GROUP BY t.article_id
) d ON d.article_id = a.id
WHERE a.id = ANY($3::uuid[])`;

/**
 * Norms with the current document frequencies ($2 = archive size). Frequencies
 * are looked up term by term (an index probe each), so the cost follows the
 * candidates' terms, not the size of the vocabulary.
 */
const NORMS_SQL = `
SELECT t.article_id AS id,
       sqrt(sum((t.tf * ln(1 + $2::float8 / greatest(
         coalesce((SELECT s.df FROM article_term_stats s WHERE s.term = t.term), 1), 1))) ^ 2)) AS norm
FROM article_terms t
WHERE t.article_id = ANY($1::uuid[])
GROUP BY t.article_id`;

/** A stored norm is refreshed once the archive has grown by a fifth since it was computed. */
function isStale(norm: number, computedAt: number, documents: number): boolean {
  return norm <= 0 || documents > computedAt * 1.2;
}

/** The near-duplicate that came first (earlier ingested, then earlier published, then lower id), if any. */
function originalOf(target: TargetArticle, scored: ScoredCandidate[]): string | null {
  const earlier = scored.filter((c) => c.nearDuplicate && cameFirst(c, target));
  if (earlier.length === 0) return null;
  earlier.sort((a, b) => (cameFirst(a, b) ? -1 : 1));
  return earlier[0].duplicateOf ?? earlier[0].id;
}

function cameFirst(
  a: { id: string; createdAt: Date; publishedAt: Date },
  b: { id: string; createdAt: Date; publishedAt: Date },
): boolean {
  const created = a.createdAt.getTime() - b.createdAt.getTime();
  if (created !== 0) return created < 0;
  const published = a.publishedAt.getTime() - b.publishedAt.getTime();
  if (published !== 0) return published < 0;
  return a.id < b.id;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const RETRYABLE = new Set(['40P01', '40001']);

/** Runs a transaction again when Postgres aborted it to break a deadlock or a serialisation conflict. */
export async function withDeadlockRetry<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      const code = (err as { code?: string; driverError?: { code?: string } }).code;
      const driverCode = (err as { driverError?: { code?: string } }).driverError?.code;
      if (attempt >= attempts || !RETRYABLE.has(code ?? driverCode ?? '')) throw err;
      await new Promise((r) => setTimeout(r, 20 * attempt + Math.random() * 30));
    }
  }
}
