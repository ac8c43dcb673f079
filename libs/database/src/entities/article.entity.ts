import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity('articles')
export class Article {
  @PrimaryGeneratedColumn('uuid') id: string;
  /** Canonical URL: the upsert key. */
  @Column({ type: 'text', unique: true }) url: string;
  @Column({ type: 'text' }) title: string;
  /** Sanitised HTML. */
  @Column({ type: 'text' }) body: string;
  /** Plain text of the body, for summaries and similarity. */
  @Column({ name: 'body_text', type: 'text', default: '' }) bodyText: string;
  @Column({ type: 'text', default: '' }) summary: string;
  @Column({ name: 'summary_generated', type: 'boolean', default: false }) summaryGenerated: boolean;
  @Column({ type: 'text', array: true, default: () => "'{}'" }) topics: string[];
  @Column({ type: 'text', nullable: true }) section: string | null;
  @Column({ type: 'text', nullable: true }) author: string | null;
  @Column({ name: 'published_at', type: 'timestamptz' }) publishedAt: Date;
  @Column({ name: 'image_url', type: 'text', nullable: true }) imageUrl: string | null;
  /** Fingerprint of the normalised text, to spot the same story re-posted. */
  @Column({ name: 'content_hash', type: 'text', default: '' }) contentHash: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
