import { Article } from './article.entity';
import { ArticleIndexEntry, ArticleTerm, ArticleTermStat } from './article-index.entity';
import { ConsentEvent } from './consent-event.entity';
import { Delivery } from './delivery.entity';
import { EmailEvent } from './email-event.entity';
import { Feed } from './feed.entity';
import { Issue } from './issue.entity';
import { IssueArticle } from './issue-article.entity';
import { Newsletter } from './newsletter.entity';
import { RelatedArticle } from './related-article.entity';
import { Subscriber } from './subscriber.entity';
import { Subscription } from './subscription.entity';
import { Suppression } from './suppression.entity';

export * from './article.entity';
export * from './article-index.entity';
export * from './consent-event.entity';
export * from './delivery.entity';
export * from './email-event.entity';
export * from './feed.entity';
export * from './issue.entity';
export * from './issue-article.entity';
export * from './newsletter.entity';
export * from './related-article.entity';
export * from './subscriber.entity';
export * from './subscription.entity';
export * from './suppression.entity';

export const ENTITIES = [
  Article,
  ArticleIndexEntry,
  ArticleTerm,
  ArticleTermStat,
  ConsentEvent,
  Delivery,
  EmailEvent,
  Feed,
  Issue,
  IssueArticle,
  Newsletter,
  RelatedArticle,
  Subscriber,
  Subscription,
  Suppression,
];
