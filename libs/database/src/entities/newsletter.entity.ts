import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity('newsletters')
export class Newsletter {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'text', unique: true }) slug: string;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'text', default: '' }) description: string;
  @Column({ type: 'text', array: true, default: () => "'{}'" }) topics: string[];
  /** Cron expression; null means the newsletter is only sent on demand. */
  @Column({ type: 'text', nullable: true }) schedule: string | null;
  @Column({ type: 'text', default: 'UTC' }) timezone: string;
  @Column({ name: 'max_articles', type: 'int', default: 10 }) maxArticles: number;
  @Column({ type: 'boolean', default: true }) active: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
