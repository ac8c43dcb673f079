import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One row per inverted-index posting: a stemmed term of an article. */
@Entity('article_terms')
export class ArticleTerm {
  @PrimaryColumn({ name: 'article_id', type: 'uuid' }) articleId: string;
  @PrimaryColumn({ type: 'text' }) term: string;
  /** Sublinear term frequency (1 + ln count), title occurrences weighted up. */
  @Column({ type: 'real' }) tf: number;
  /** tf·idf over the article's norm, with document frequencies as at indexing: used to pick candidates. */
  @Column({ type: 'real' }) weight: number;
}

/** Document frequency per term; the reserved term '#documents' holds the number of indexed articles. */
@Entity('article_term_stats')
export class ArticleTermStat {
  @PrimaryColumn({ type: 'text' }) term: string;
  @Column({ type: 'int' }) df: number;
}

/** Index state of one article. */
@Entity('article_index')
export class ArticleIndexEntry {
  @PrimaryColumn({ name: 'article_id', type: 'uuid' }) articleId: string;
  /** Hash of what was indexed (title, text, topics, date): unchanged re-posts skip re-indexing. */
  @Column({ type: 'text' }) fingerprint: string;
  /** Set when this article is the same story re-posted under another URL: it is never listed as related. */
  @Column({ name: 'duplicate_of', type: 'uuid', nullable: true }) duplicateOf: string | null;
  /** Length of the article's TF-IDF vector, as computed when the archive held `normDocuments` articles. */
  @Column({ type: 'double precision' }) norm: number;
  @Column({ name: 'norm_documents', type: 'int' }) normDocuments: number;
  @Column({ name: 'indexed_at', type: 'timestamptz' }) indexedAt: Date;
  /** When its related list was last computed (null: pending). */
  @Column({ name: 'related_at', type: 'timestamptz', nullable: true }) relatedAt: Date | null;
}
