import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The related-article index, kept in Postgres so that every API and worker
 * process shares it: an inverted index of stemmed terms per article, document
 * frequencies, and per-article index state (fingerprint of what was indexed,
 * near-duplicate link, vector norm and the archive size it was computed at).
 */
export class ArticleIndex1764300000000 implements MigrationInterface {
  name = 'ArticleIndex1764300000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE article_terms (
        article_id uuid NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        term text NOT NULL,
        tf real NOT NULL,
        weight real NOT NULL,
        PRIMARY KEY (article_id, term)
      )`);
    // Postings: candidate retrieval reads (term → article_id, weight) from the index alone.
    await q.query(`CREATE INDEX article_terms_postings_idx ON article_terms (term) INCLUDE (article_id, weight)`);
    await q.query(`
      CREATE TABLE article_term_stats (
        term text PRIMARY KEY,
        df int NOT NULL
      )`);
    await q.query(`
      CREATE TABLE article_index (
        article_id uuid PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        fingerprint text NOT NULL,
        duplicate_of uuid REFERENCES articles(id) ON DELETE SET NULL,
        norm double precision NOT NULL DEFAULT 0,
        norm_documents int NOT NULL DEFAULT 0,
        indexed_at timestamptz NOT NULL DEFAULT now(),
        related_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX article_index_duplicate_of_idx ON article_index (duplicate_of) WHERE duplicate_of IS NOT NULL`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS article_index`);
    await q.query(`DROP TABLE IF EXISTS article_term_stats`);
    await q.query(`DROP TABLE IF EXISTS article_terms`);
  }
}
