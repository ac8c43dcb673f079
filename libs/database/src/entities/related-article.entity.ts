import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('related_articles')
export class RelatedArticle {
  @PrimaryColumn({ name: 'article_id', type: 'uuid' }) articleId: string;
  @PrimaryColumn({ name: 'related_id', type: 'uuid' }) relatedId: string;
  @Column({ type: 'double precision' }) score: number;
}
