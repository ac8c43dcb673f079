import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type ConsentAction = 'subscribe' | 'confirm' | 'unsubscribe' | 'preferences' | 'import' | 'erase';

/** Append-only consent ledger: proof of what a reader agreed to, when and where. */
@Entity('consent_events')
export class ConsentEvent {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' }) id: string;
  @Column({ name: 'subscriber_id', type: 'uuid' }) subscriberId: string;
  @Column({ type: 'text' }) action: ConsentAction;
  /** Newsletter slugs the event covers. */
  @Column({ type: 'text', array: true, default: () => "'{}'" }) newsletters: string[];
  @Column({ name: 'consent_version', type: 'text', nullable: true }) consentVersion: string | null;
  @Column({ name: 'consent_text_sha256', type: 'text', nullable: true }) consentTextSha256: string | null;
  @Column({ type: 'text', nullable: true }) ip: string | null;
  @Column({ name: 'user_agent', type: 'text', nullable: true }) userAgent: string | null;
  /** Where it happened: form, page, import provenance, one-click header... */
  @Column({ type: 'text', nullable: true }) source: string | null;
  @Column({ type: 'jsonb', nullable: true }) details: Record<string, unknown> | null;
  @CreateDateColumn({ name: 'at', type: 'timestamptz' }) at: Date;
}
