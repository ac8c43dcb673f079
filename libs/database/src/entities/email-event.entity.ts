import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type EmailEventType = 'hard_bounce' | 'soft_bounce' | 'complaint' | 'delivered';

/** Provider feedback (webhooks). Keyed by email hash so erasure leaves no address behind. */
@Entity('email_events')
export class EmailEvent {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' }) id: string;
  @Column({ type: 'text' }) type: EmailEventType;
  @Column({ name: 'email_hash', type: 'text' }) emailHash: string;
  @Column({ name: 'message_id', type: 'text', nullable: true }) messageId: string | null;
  @Column({ name: 'delivery_id', type: 'bigint', nullable: true }) deliveryId: string | null;
  @Column({ type: 'text', nullable: true }) reason: string | null;
  @Column({ type: 'timestamptz' }) at: Date;
  @CreateDateColumn({ name: 'received_at', type: 'timestamptz' }) receivedAt: Date;
}
