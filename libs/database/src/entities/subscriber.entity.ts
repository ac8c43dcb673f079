import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type SubscriberStatus = 'active' | 'erased';

/** A reader. Email is unique case-insensitively (unique index on lower(email)). */
@Entity('subscribers')
export class Subscriber {
  @PrimaryGeneratedColumn('uuid') id: string;
  /** Null once the reader is erased. */
  @Column({ type: 'text', nullable: true }) email: string | null;
  @Column({ type: 'text', nullable: true }) name: string | null;
  @Column({ type: 'text', default: 'active' }) status: SubscriberStatus;
  /** Throttles confirmation mails: at most one per address per hour. */
  @Column({ name: 'last_confirmation_sent_at', type: 'timestamptz', nullable: true })
  lastConfirmationSentAt: Date | null;
  @Column({ name: 'erased_at', type: 'timestamptz', nullable: true }) erasedAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
