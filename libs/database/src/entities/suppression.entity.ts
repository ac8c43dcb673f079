import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type SuppressionReason = 'hard_bounce' | 'complaint' | 'soft_bounces' | 'erased' | 'manual';

/** Addresses never to be mailed, stored only as a keyed hash. */
@Entity('suppressions')
export class Suppression {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'email_hash', type: 'text', unique: true }) emailHash: string;
  @Column({ type: 'text' }) reason: SuppressionReason;
  @Column({ type: 'text', nullable: true }) detail: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
