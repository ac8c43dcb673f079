import { sha256Hex } from '@app/common';
import { articleSummary } from '../summary/summarise';
import { articleHtmlToText, looksLikeHtml, normaliseText, sanitiseArticleHtml, textToHtml } from '../text/article-html';
import { canonicalUrl, isHttpUrl } from '../text/canonical-url';
import { words } from '../text/terms';
import { articleTermCounts } from '../related/term-vector';
import { ArticleInput } from './article-input';

/** An article ready to store and index. */
export interface PreparedArticle {
  url: string;
  title: string;
  /** Sanitised HTML. */
  body: string;
  bodyText: string;
  summary: string;
  summaryGenerated: boolean;
  topics: string[];
  section: string | null;
  author: string | null;
  publishedAt: Date;
  imageUrl: string | null;
  /** Same story text ⇒ same hash, whatever the URL or markup. */
  contentHash: string;
  /** What the related index depends on: unchanged ⇒ no re-indexing. */
  fingerprint: string;
  termCounts: Map<string, number>;
}

export class InvalidArticleError extends Error {}

/** Topic labels compare case-insensitively: stored lower-case, trimmed, without repeats. */
export function normaliseTopics(topics: readonly string[] | undefined): string[] {
  const out = new Set<string>();
  for (const t of topics ?? []) {
    const topic = t.trim().replace(/\s+/g, ' ').toLowerCase();
    if (topic) out.add(topic.slice(0, 100));
  }
  return [...out];
}

export function prepareArticle(input: ArticleInput): PreparedArticle {
  const url = canonicalUrl(input.url);
  const publishedAt = input.publishedAt instanceof Date ? input.publishedAt : new Date(input.publishedAt);
  if (Number.isNaN(publishedAt.getTime())) throw new InvalidArticleError(`publishedAt is not a date (${url})`);
  const title = normaliseText(input.title).replace(/\s+/g, ' ');
  const rawBody = input.body ?? '';
  const body = sanitiseArticleHtml(looksLikeHtml(rawBody) ? rawBody : textToHtml(rawBody), url);
  const bodyText = articleHtmlToText(body);
  const { summary, generated } = articleSummary(input.summary, title, bodyText);
  const topics = normaliseTopics(input.topics);
  const contentHash = sha256Hex(words(bodyText || title).join(' '));
  return {
    url,
    title,
    body,
    bodyText,
    summary,
    summaryGenerated: generated,
    topics,
    section: input.section?.trim() || null,
    author: input.author?.trim() || null,
    publishedAt,
    imageUrl: input.imageUrl && isHttpUrl(input.imageUrl.trim()) ? input.imageUrl.trim() : null,
    contentHash,
    fingerprint: sha256Hex([title, bodyText, topics.join(','), publishedAt.toISOString()].join('\n')),
    termCounts: articleTermCounts(title, bodyText),
  };
}
