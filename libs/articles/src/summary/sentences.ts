/**
 * Sentence splitting for news copy. A full stop ends a sentence only when
 * followed by a space and a capital (or digit), and not when it closes a
 * title or common abbreviation ("Mr.", "Jan.", "No."), an initial ("George W.
 * Bush"), a dotted acronym followed by a name ("U.S. President") or when it
 * sits inside a quotation that closes later in the paragraph. Decimals ("3.5")
 * and domain names never have a space after the dot.
 */

const TERMINATORS = '.!?\u2026';
const CLOSERS = '"\'\u201d\u2019)]';
const OPENERS = '"\'\u201c\u2018([';

/** Abbreviations that do not end a sentence (lower case, without the final dot). */
const ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'sr',
  'jr',
  'st',
  'mt',
  'gen',
  'lt',
  'col',
  'sgt',
  'capt',
  'cmdr',
  'adm',
  'gov',
  'sen',
  'rep',
  'pres',
  'rev',
  'hon',
  'insp',
  'supt',
  'cllr',
  'no',
  'nos',
  'vol',
  'fig',
  'inc',
  'ltd',
  'co',
  'corp',
  'plc',
  'dept',
  'univ',
  'ave',
  'blvd',
  'rd',
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
  'vs',
  'approx',
  'al',
  'cf',
]);

/** Words that, after a dotted acronym ("... in the U.S. The ..."), show a new sentence has begun. */
const SENTENCE_STARTERS = new Set([
  'the',
  'a',
  'an',
  'he',
  'she',
  'it',
  'they',
  'we',
  'i',
  'you',
  'but',
  'and',
  'in',
  'on',
  'at',
  'this',
  'that',
  'these',
  'those',
  'his',
  'her',
  'their',
  'its',
  'our',
  'there',
  'however',
  'meanwhile',
  'after',
  'before',
  'when',
  'while',
  'if',
  'as',
  'so',
  'yet',
  'still',
  'since',
  'what',
  'why',
  'how',
  'officials',
  'analysts',
]);

/** The word before position `end` (inclusive of the character at `end`), without opening punctuation. */
function wordEndingAt(text: string, end: number): string {
  let start = end;
  while (start > 0 && text[start - 1] !== ' ') start--;
  let word = text.slice(start, end + 1);
  while (word && OPENERS.includes(word[0])) word = word.slice(1);
  return word;
}

function isAbbreviation(word: string, nextWord: string): boolean {
  const bare = word.replace(/\.$/, '').toLowerCase();
  if (ABBREVIATIONS.has(bare)) return true;
  if (/^[a-z]$/i.test(bare)) return true; // an initial: "J. K. Rowling"
  if (/^([a-z]\.)+[a-z]$/i.test(bare)) {
    // A dotted acronym ends the sentence only when a typical sentence opener follows.
    return !SENTENCE_STARTERS.has(nextWord.toLowerCase().replace(/[^a-z]/g, ''));
  }
  return false;
}

/** Splits one paragraph (no blank lines inside) into sentences. */
export function splitSentences(paragraph: string): string[] {
  const text = paragraph.replace(/\s+/g, ' ').trim();
  const sentences: string[] = [];
  let start = 0;
  let inStraightQuote = false;
  let curlyDepth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') inStraightQuote = !inStraightQuote;
    else if (ch === '\u201c') curlyDepth++;
    else if (ch === '\u201d') curlyDepth = Math.max(0, curlyDepth - 1);
    if (!TERMINATORS.includes(ch)) continue;

    let end = i + 1;
    while (end < text.length && TERMINATORS.includes(text[end])) end++;
    let straight: boolean = inStraightQuote;
    let curly: number = curlyDepth;
    while (end < text.length && CLOSERS.includes(text[end])) {
      if (text[end] === '"') straight = false;
      if (text[end] === '\u201d') curly = Math.max(0, curly - 1);
      end++;
    }
    if (end >= text.length || text[end] !== ' ') continue;
    const next = /^[\s"'\u201c\u2018([]*([A-Z0-9][^\s]*)/.exec(text.slice(end + 1));
    if (!next) continue;
    if (insideClosedLaterQuote(text, end, straight, curly)) continue;
    if (ch === '.' && text[i + 1] !== '.' && isAbbreviation(wordEndingAt(text, i), next[1])) continue;

    sentences.push(text.slice(start, end).trim());
    start = end + 1;
    inStraightQuote = straight;
    curlyDepth = curly;
    i = end;
  }
  const last = text.slice(start).trim();
  if (last) sentences.push(last);
  return sentences;
}

/**
 * A quotation of several sentences is kept whole, but only if it closes in
 * this paragraph: news style leaves a quote open when it runs on into the next.
 */
function insideClosedLaterQuote(text: string, from: number, straight: boolean, curly: number): boolean {
  if (straight && text.indexOf('"', from) >= 0) return true;
  if (curly > 0 && text.indexOf('\u201d', from) >= 0) return true;
  return false;
}

export function wordCount(text: string): number {
  const trimmed = text.trim();
  return trimmed ? trimmed.split(/\s+/).length : 0;
}
