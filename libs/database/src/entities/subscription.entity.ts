import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type SubscriptionStatus = 'pending' | 'active' | 'unsubscribed';

/** One reader × one newsletter; unique on (subscriber_id, newsletter_id). */
@Entity('subscriptions')
export class Subscription {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'subscriber_id', type: 'uuid' }) subscriberId: string;
  @Column({ name: 'newsletter_id', type: 'uuid' }) newsletterId: string;
  @Column({ type: 'text' }) status: SubscriptionStatus;
  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true }) confirmedAt: Date | null;
  @Column({ name: 'unsubscribed_at', type: 'timestamptz', nullable: true }) unsubscribedAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
