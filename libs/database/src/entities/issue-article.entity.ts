import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Articles in an issue. (newsletter_id, article_id) is unique: no article twice in a newsletter. */
@Entity('issue_articles')
export class IssueArticle {
  @PrimaryColumn({ name: 'issue_id', type: 'uuid' }) issueId: string;
  @PrimaryColumn({ name: 'article_id', type: 'uuid' }) articleId: string;
  @Column({ name: 'newsletter_id', type: 'uuid' }) newsletterId: string;
  @Column({ type: 'int' }) position: number;
}
