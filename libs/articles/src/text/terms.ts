import stem from 'wink-porter2-stemmer';
import { eng as ENGLISH_STOP_WORDS } from 'stopword';

/** Words news copy uses everywhere, on top of the English stop list: they say nothing about the story. */
const NEWS_STOP_WORDS = [
  'says',
  'say',
  'told',
  'will',
  'just',
  'yet',
  'per',
  'cent',
  'mr',
  'mrs',
  'ms',
  'dr',
  'may',
  'not',
  'no',
  'yes',
  'one',
  'two',
  'three',
  'its',
  'it\u2019s',
  'don',
  'didn',
  'doesn',
  'isn',
  'wasn',
  'won',
  'can',
  'cannot',
];
const STOP_WORDS = new Set([...ENGLISH_STOP_WORDS, ...NEWS_STOP_WORDS]);

/** Lower-case word tokens: letters and digits (diacritics folded); apostrophe endings dropped. */
export function words(text: string): string[] {
  return (
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      // "minister's" → "minister", "don't" → "don"
      .replace(/['\u2019](s|t|re|ve|ll|d|m)\b/g, '')
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length > 1 && w.length <= 30)
  );
}

/** Stems of recently seen words: news copy repeats its vocabulary, and stemming dominates tokenising. */
const stemCache = new Map<string, string>();
const STEM_CACHE_SIZE = 100_000;

function cachedStem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    if (stemCache.size >= STEM_CACHE_SIZE) stemCache.clear();
    s = stem(word);
    stemCache.set(word, s);
  }
  return s;
}

/**
 * Index terms of a text: word tokens without stop words and pure numbers
 * (years excepted), stemmed (Porter2) so "elections" and "elected" meet.
 */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const w of words(text)) {
    if (STOP_WORDS.has(w)) continue;
    if (/^\d+$/.test(w) && !/^(1[89]|20)\d\d$/.test(w)) continue;
    const t = cachedStem(w);
    if (t.length > 1 && !STOP_WORDS.has(t)) out.push(t);
  }
  return out;
}

/** Term counts of a text. */
export function termCounts(text: string, into = new Map<string, number>(), weight = 1): Map<string, number> {
  for (const t of terms(text)) into.set(t, (into.get(t) ?? 0) + weight);
  return into;
}
