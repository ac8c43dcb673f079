import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type IssueStatus = 'building' | 'sending' | 'sent' | 'failed' | 'skipped';

/** Frozen content of an issue, as readers were sent it. */
export interface IssueContent {
  articles: IssueContentArticle[];
}

export interface IssueContentArticle {
  id: string;
  title: string;
  url: string;
  summary: string;
  publishedAt: string;
  topics: string[];
  imageUrl: string | null;
  /** Further reading from the archive (lead articles only). */
  related: Array<{ id: string; title: string; url: string }>;
}

/** One edition of a newsletter. (newsletter_id, slot) is unique: one issue per scheduled slot. */
@Entity('issues')
export class Issue {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'newsletter_id', type: 'uuid' }) newsletterId: string;
  /** Scheduled slot; null for issues sent on demand. */
  @Column({ type: 'timestamptz', nullable: true }) slot: Date | null;
  @Column({ type: 'text', default: 'building' }) status: IssueStatus;
  @Column({ name: 'dry_run', type: 'boolean', default: false }) dryRun: boolean;
  @Column({ type: 'text', default: '' }) subject: string;
  /** URL slug of the web version. */
  @Column({ name: 'web_slug', type: 'text', default: '' }) webSlug: string;
  /** Compiled HTML with per-reader placeholders. */
  @Column({ type: 'text', nullable: true }) html: string | null;
  @Column({ type: 'text', nullable: true }) text: string | null;
  /** What the issue was built from (articles, summaries, related reads): its web version and archive entry. */
  @Column({ type: 'jsonb', nullable: true }) content: IssueContent | null;
  @Column({ type: 'int', default: 0 }) recipients: number;
  @Column({ type: 'int', default: 0 }) sent: number;
  @Column({ type: 'int', default: 0 }) failed: number;
  @Column({ type: 'int', default: 0 }) skipped: number;
  @Column({ type: 'text', nullable: true }) error: string | null;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
