import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('feeds')
export class Feed {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'text', unique: true }) url: string;
  @Column({ type: 'text', array: true, default: () => "'{}'" }) topics: string[];
  @Column({ type: 'text', nullable: true }) etag: string | null;
  @Column({ name: 'last_modified', type: 'text', nullable: true }) lastModified: string | null;
  @Column({ name: 'last_polled_at', type: 'timestamptz', nullable: true }) lastPolledAt: Date | null;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError: string | null;
  @Column({ name: 'interval_minutes', type: 'int', default: 10 }) intervalMinutes: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
