/** An article eligible for an issue, as the builder reads it from the database. */
export interface CandidateArticle {
  id: string;
  title: string;
  url: string;
  summary: string;
  topics: string[];
  publishedAt: Date;
  imageUrl: string | null;
}

/** Half-life of an article's freshness: a 12-hour-old story counts half as fresh as a new one. */
const FRESHNESS_HALF_LIFE_HOURS = 12;
/** Freshness and topic match weigh about equally; freshness slightly more, as a digest is news. */
const FRESHNESS_WEIGHT = 0.55;
const TOPIC_WEIGHT = 0.45;

export function normaliseTopics(topics: readonly string[]): string[] {
  return [...new Set(topics.map((t) => t.trim().toLowerCase()).filter(Boolean))];
}

/**
 * How well an article's topics match a newsletter's: the share of the article's topics
 * the newsletter covers (an article about exactly the newsletter's subject scores 1,
 * one that only touches it scores less). A newsletter without topics takes everything.
 */
export function topicMatch(articleTopics: readonly string[], newsletterTopics: readonly string[]): number {
  const wanted = new Set(normaliseTopics(newsletterTopics));
  if (wanted.size === 0) return 1;
  const own = normaliseTopics(articleTopics);
  if (own.length === 0) return 0;
  return own.filter((t) => wanted.has(t)).length / own.length;
}

export function freshness(publishedAt: Date, now: Date): number {
  const ageHours = Math.max(0, (now.getTime() - publishedAt.getTime()) / 3_600_000);
  return Math.pow(0.5, ageHours / FRESHNESS_HALF_LIFE_HOURS);
}

export function articleScore(article: CandidateArticle, newsletterTopics: readonly string[], now: Date): number {
  return (
    FRESHNESS_WEIGHT * freshness(article.publishedAt, now) + TOPIC_WEIGHT * topicMatch(article.topics, newsletterTopics)
  );
}

/**
 * Orders candidates for an issue, best first (the first ones become the lead stories),
 * and keeps at most `limit`. Articles that match none of the newsletter's topics are dropped.
 */
export function rankArticles(
  candidates: readonly CandidateArticle[],
  newsletterTopics: readonly string[],
  now: Date,
  limit: number,
): CandidateArticle[] {
  return candidates
    .filter((a) => topicMatch(a.topics, newsletterTopics) > 0)
    .map((article) => ({ article, score: articleScore(article, newsletterTopics, now) }))
    .sort(
      (a, b) =>
        b.score - a.score ||
        b.article.publishedAt.getTime() - a.article.publishedAt.getTime() ||
        a.article.id.localeCompare(b.article.id),
    )
    .slice(0, Math.max(0, limit))
    .map((s) => s.article);
}
