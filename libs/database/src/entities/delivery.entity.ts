import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type DeliveryStatus = 'queued' | 'sent' | 'failed' | 'skipped';

/** One message of an issue to one reader; unique on (issue_id, subscriber_id). */
@Entity('deliveries')
export class Delivery {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' }) id: string;
  @Column({ name: 'issue_id', type: 'uuid' }) issueId: string;
  @Column({ name: 'subscriber_id', type: 'uuid' }) subscriberId: string;
  @Column({ type: 'int' }) batch: number;
  @Column({ type: 'text', default: 'queued' }) status: DeliveryStatus;
  @Column({ name: 'message_id', type: 'text', nullable: true }) messageId: string | null;
  @Column({ type: 'int', default: 0 }) attempts: number;
  @Column({ type: 'text', nullable: true }) error: string | null;
  /** Latest provider event for this message (delivered, soft_bounce, hard_bounce, complaint). */
  @Column({ name: 'last_event', type: 'text', nullable: true }) lastEvent: string | null;
  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true }) sentAt: Date | null;
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' }) updatedAt: Date;
}
