/**
 * How related two articles are. Symmetric by construction (score(a, b) ===
 * score(b, a)), so a new article's score against an old one can be compared
 * with the scores already in the old article's list.
 */
export const RELATED_SCORING = {
  /** Title words count this many times body words. */
  titleWeight: 3,
  /** Terms kept per article (the strongest by tf·idf): bounds the index and the work per query. */
  maxTermsPerArticle: 200,
  /** Query terms used to find candidates in the inverted index. */
  candidateTerms: 40,
  /** Candidates found through shared terms, then scored exactly. */
  termCandidates: 100,
  /** Best candidates whose norm is always recomputed with the current document frequencies. */
  exactRescore: 20,
  /** Extra candidates sharing a topic, nearest in time on each side. */
  topicCandidates: 10,
  cosineWeight: 0.7,
  topicWeight: 0.3,
  /** Days apart at which relatedness halves. */
  recencyHalfLifeDays: 30,
  /** Text cosine from which two articles are the same story (re-posted or lightly edited). */
  nearDuplicateCosine: 0.85,
  /** Below this an article is not worth listing as related. */
  minScore: 0.05,
  /** Related articles stored per article (the API shows the first 5 by default). */
  keep: 10,
  /** Articles of one batch scored at the same time (each on its own database connection). */
  scoringConcurrency: 3,
  /** Existing articles a new one may enter the list of (its best-scored candidates). */
  displaceInto: 50,
} as const;

/** Smoothed inverse document frequency: positive even for a term every article has. */
export function idf(documents: number, df: number): number {
  return Math.log(1 + documents / Math.max(df, 1));
}

/** Sublinear term frequency. */
export function tfWeight(count: number): number {
  return 1 + Math.log(count);
}

/** Share of topics two articles have in common (Jaccard); 0 when either has none. */
export function topicOverlap(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const setA = new Set(a);
  const shared = b.filter((t) => setA.has(t)).length;
  return shared / (setA.size + new Set(b).size - shared);
}

/** 1 for articles published together, ½ at the half-life apart, falling slowly after. */
export function recencyFactor(a: Date, b: Date): number {
  const days = Math.abs(a.getTime() - b.getTime()) / 86_400_000;
  return 1 / (1 + days / RELATED_SCORING.recencyHalfLifeDays);
}

export function relatedScore(
  cosine: number,
  a: { topics: readonly string[]; publishedAt: Date },
  b: { topics: readonly string[]; publishedAt: Date },
): number {
  const { cosineWeight, topicWeight } = RELATED_SCORING;
  const relevance = cosineWeight * cosine + topicWeight * topicOverlap(a.topics, b.topics);
  return relevance * recencyFactor(a.publishedAt, b.publishedAt);
}
