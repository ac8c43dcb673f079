// Type declarations for the two text packages that ship none.
declare module 'wink-porter2-stemmer' {
  /** Porter2 (English) stem of one lower-case word. */
  function stem(word: string): string;
  export = stem;
}

declare module 'stopword' {
  /** Removes the stop words in `stopwords` (English by default) from a list of words. */
  export function removeStopwords(words: string[], stopwords?: string[]): string[];
  export const eng: string[];
}
