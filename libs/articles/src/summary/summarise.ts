import { splitParagraphs } from '../text/article-html';
import { termCounts } from '../text/terms';
import { isBoilerplateLine, isBoilerplateSentence } from './boilerplate';
import { splitSentences, wordCount } from './sentences';

export interface SummaryOptions {
  /** The summary never exceeds this many words (whole sentences only). */
  maxWords: number;
  maxSentences: number;
}

export const DEFAULT_SUMMARY_OPTIONS: SummaryOptions = { maxWords: 60, maxSentences: 3 };

const DAMPING = 0.85;
const ITERATIONS = 40;
/** Two sentences more similar than this say the same thing: the summary keeps one. */
const REDUNDANCY = 0.5;
const MIN_WORDS = 5;
/**
 * Only the article's first candidate sentences are ranked: the graph compares every sentence
 * with every other, so its cost grows with the square of their number (a 2-million-character
 * body, the most ingestion accepts, took minutes of CPU and about 2 GB). The ranking favours
 * the lead anyway: its prior falls with a sentence's position.
 */
export const MAX_RANKED_SENTENCES = 200;

interface Candidate {
  text: string;
  words: number;
  vector: Map<string, number>;
}

/**
 * The summary to store: a given summary (standfirst) is kept as written; an
 * article without one gets an extractive summary of its text.
 */
export function articleSummary(
  given: string | undefined | null,
  title: string,
  text: string,
): { summary: string; generated: boolean } {
  const kept = given?.trim();
  if (kept) return { summary: kept, generated: false };
  return { summary: summarise(title, text), generated: true };
}

/**
 * Extractive summary: the sentences that best cover the article. Sentences are
 * nodes of a graph weighted by their similarity (cosine over stemmed terms);
 * a PageRank biased towards the lead (and towards the title's words) ranks
 * them; the best are taken greedily, skipping near-repeats, within the word
 * budget, and printed in article order. Boilerplate never qualifies.
 */
export function summarise(title: string, text: string, options: SummaryOptions = DEFAULT_SUMMARY_OPTIONS): string {
  const candidates = candidateSentences(text, options.maxWords);
  if (candidates.length === 0) return '';
  const titleVector = termCounts(title);
  const similarity = candidates.map((a) => candidates.map((b) => (a === b ? 0 : cosine(a.vector, b.vector))));
  const prior = candidates.map((c, i) => (1 + cosine(c.vector, titleVector)) / Math.sqrt(1 + i));
  const rank = biasedPageRank(similarity, normalise(prior));

  const order = candidates.map((_, i) => i).sort((a, b) => rank[b] - rank[a] || a - b);
  const chosen: number[] = [];
  let words = 0;
  for (const i of order) {
    if (chosen.length >= options.maxSentences) break;
    if (words + candidates[i].words > options.maxWords) continue;
    if (chosen.some((j) => similarity[i][j] > REDUNDANCY)) continue;
    chosen.push(i);
    words += candidates[i].words;
  }
  return chosen
    .sort((a, b) => a - b)
    .map((i) => candidates[i].text)
    .join(' ');
}

/** Whole story sentences that could stand in a summary, in article order. */
function candidateSentences(text: string, maxWords: number): Candidate[] {
  const out: Candidate[] = [];
  for (const paragraph of storyParagraphs(text)) {
    // List items and headings (no closing punctuation) are not prose.
    if (/^[\u2022*\u2013-]\s/.test(paragraph)) continue;
    for (const sentence of splitSentences(paragraph)) {
      const words = wordCount(sentence);
      if (words < MIN_WORDS || words > maxWords) continue;
      if (!/[.!?\u2026]["'\u201d\u2019)]*$/.test(sentence)) continue;
      if (!/^["'\u201c\u2018(]*[A-Z0-9]/.test(sentence)) continue;
      if (isBoilerplateSentence(sentence)) continue;
      out.push({ text: sentence, words, vector: termCounts(sentence) });
      if (out.length >= MAX_RANKED_SENTENCES) return out;
    }
  }
  return out;
}

/** Paragraphs (and lines within them) that are story, not furniture. */
export function storyParagraphs(text: string): string[] {
  return splitParagraphs(text)
    .flatMap((p) => p.split('\n'))
    .map((line) => line.trim())
    .filter((line) => line && !isBoilerplateLine(line));
}

/** PageRank with teleportation to `prior` instead of uniformly. */
function biasedPageRank(weights: number[][], prior: number[]): number[] {
  const n = prior.length;
  const outWeight = weights.map((row) => row.reduce((s, w) => s + w, 0));
  let rank = prior.slice();
  for (let iter = 0; iter < ITERATIONS; iter++) {
    // Sentences linked to nothing hand their rank back through the prior.
    const dangling = rank.reduce((s, r, j) => (outWeight[j] === 0 ? s + r : s), 0);
    const next = prior.map((p) => (1 - DAMPING) * p + DAMPING * dangling * p);
    for (let j = 0; j < n; j++) {
      if (outWeight[j] === 0) continue;
      for (let i = 0; i < n; i++) {
        if (weights[j][i] > 0) next[i] += (DAMPING * rank[j] * weights[j][i]) / outWeight[j];
      }
    }
    rank = next;
  }
  return rank;
}

function normalise(values: number[]): number[] {
  const total = values.reduce((s, v) => s + v, 0);
  return values.map((v) => v / total);
}

function cosine(a: Map<string, number>, b: Map<string, number>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let dot = 0;
  const [small, large] = a.size < b.size ? [a, b] : [b, a];
  for (const [term, count] of small) dot += count * (large.get(term) ?? 0);
  if (dot === 0) return 0;
  return dot / (norm(a) * norm(b));
}

function norm(v: Map<string, number>): number {
  let s = 0;
  for (const c of v.values()) s += c * c;
  return Math.sqrt(s);
}
