import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RECOMMENDATIONS_PER_READER } from '../digest.constants';

/** A newsletter as the recommender sees it. */
export interface RecommendableNewsletter {
  id: string;
  slug: string;
  name: string;
  description: string;
  topics: string[];
}

export interface ReaderNewsletters {
  /** Newsletters the reader receives (active subscriptions): what their interests are. */
  receiving: readonly string[];
  /** Newsletters not to recommend although not received (pending, or left on purpose). */
  excluded?: readonly string[];
}

export interface Recommendation {
  newsletter: RecommendableNewsletter;
  score: number;
}

const lower = (topics: readonly string[]) => new Set(topics.map((t) => t.trim().toLowerCase()).filter(Boolean));

/**
 * Ranks the newsletters a reader does not receive by topic overlap with the ones they
 * do (the consent text promises "recommendations for other related newsletters").
 * Score: the share of a candidate's topics the reader already follows, weighted by the
 * number of shared topics, so a newsletter that is entirely about the reader's
 * interests beats one that merely touches them. A newsletter sharing no topic is never
 * recommended: an unrelated list is an advert, not a recommendation.
 */
export function recommendNewsletters(
  catalogue: readonly RecommendableNewsletter[],
  reader: ReaderNewsletters,
  limit = RECOMMENDATIONS_PER_READER,
): Recommendation[] {
  const byId = new Map(catalogue.map((n) => [n.id, n]));
  const receiving = new Set(reader.receiving);
  const skip = new Set([...reader.receiving, ...(reader.excluded ?? [])]);
  const interests = new Set<string>();
  for (const id of receiving) for (const t of lower(byId.get(id)?.topics ?? [])) interests.add(t);
  if (interests.size === 0) return [];
  return catalogue
    .filter((n) => !skip.has(n.id))
    .map((newsletter) => {
      const topics = lower(newsletter.topics);
      const shared = [...topics].filter((t) => interests.has(t)).length;
      const score = topics.size === 0 ? 0 : (shared / topics.size) * (1 + Math.log2(1 + shared));
      return { newsletter, score };
    })
    .filter((r) => r.score > 0)
    .sort((a, b) => b.score - a.score || a.newsletter.name.localeCompare(b.newsletter.name))
    .slice(0, Math.max(0, limit));
}

/** Newsletter recommendations for readers, from the active newsletters in the database. */
@Injectable()
export class NewsletterRecommender {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Every active newsletter: load once per batch of readers, then rank in memory. */
  async catalogue(): Promise<RecommendableNewsletter[]> {
    return this.db.query(
      `SELECT id, slug, name, description, topics FROM newsletters WHERE active ORDER BY name`,
    ) as Promise<RecommendableNewsletter[]>;
  }

  /** Up to `limit` newsletters to suggest to one reader (an operator look-up, or a single mail). */
  async recommendFor(subscriberId: string, limit = RECOMMENDATIONS_PER_READER): Promise<Recommendation[]> {
    const [catalogue, subscriptions] = await Promise.all([
      this.catalogue(),
      this.db.query(`SELECT newsletter_id AS "newsletterId", status FROM subscriptions WHERE subscriber_id = $1`, [
        subscriberId,
      ]) as Promise<Array<{ newsletterId: string; status: string }>>,
    ]);
    return recommendNewsletters(catalogue, readerNewsletters(subscriptions), limit);
  }
}

/** Splits a reader's subscription rows into what they receive and what must not be suggested. */
export function readerNewsletters(
  subscriptions: ReadonlyArray<{ newsletterId: string; status: string }>,
): ReaderNewsletters {
  return {
    receiving: subscriptions.filter((s) => s.status === 'active').map((s) => s.newsletterId),
    excluded: subscriptions.filter((s) => s.status !== 'active').map((s) => s.newsletterId),
  };
}
