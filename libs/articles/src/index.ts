export * from './articles.module';
export * from './articles.service';
export * from './feeds/feeds.service';
export * from './feeds/feed-scheduler';
export { FeedError } from './feeds/feed-reader';
export type { ArticleInput, FieldError } from './ingest/article-input';
export {
  ArticleInputDto,
  ArticlePayloadError,
  MAX_ARTICLES_PER_REQUEST,
  parseArticlePayload,
} from './ingest/article-input';
export { InvalidArticleError, normaliseTopics } from './ingest/prepare-article';
export { canonicalUrl, InvalidUrlError } from './text/canonical-url';
export { sanitiseArticleHtml } from './text/article-html';
export { summarise } from './summary/summarise';
export { RELATED_SCORING } from './related/related-scoring';
