import { splitSentences } from './sentences';

describe('splitSentences', () => {
  it('splits plain sentences', () => {
    expect(splitSentences('Rates rose. Markets fell! Why? Nobody knows.')).toEqual([
      'Rates rose.',
      'Markets fell!',
      'Why?',
      'Nobody knows.',
    ]);
  });

  it('keeps titles, initials, decimals and acronyms before names inside the sentence', () => {
    expect(
      splitSentences(
        'Mr. Smith met Dr. Jones and George W. Bush on Jan. 5 in St. Louis. Inflation was 3.5% and U.S. President Joe Biden spoke. Shares rose 2.1 per cent.',
      ),
    ).toEqual([
      'Mr. Smith met Dr. Jones and George W. Bush on Jan. 5 in St. Louis.',
      'Inflation was 3.5% and U.S. President Joe Biden spoke.',
      'Shares rose 2.1 per cent.',
    ]);
  });

  it('ends a sentence at a dotted acronym when a new sentence clearly starts', () => {
    expect(splitSentences('Troops were sent by the U.S. The move angered Beijing.')).toEqual([
      'Troops were sent by the U.S.',
      'The move angered Beijing.',
    ]);
  });

  it('does not split on e.g. or i.e. followed by lower case', () => {
    expect(splitSentences('Some fruits, e.g. apples, are cheap. Others are not.')).toEqual([
      'Some fruits, e.g. apples, are cheap.',
      'Others are not.',
    ]);
  });

  it('handles quotations: ends after the closing quote, keeps a multi-sentence quote whole', () => {
    expect(
      splitSentences(
        '"We are ready. We will not back down," she said. He replied: "It is over." Then he left. \u201cNo. Never,\u201d he said.',
      ),
    ).toEqual([
      '"We are ready. We will not back down," she said.',
      'He replied: "It is over."',
      'Then he left.',
      '\u201cNo. Never,\u201d he said.',
    ]);
  });

  it('does not split inside "?" followed by a lower-case attribution', () => {
    expect(splitSentences('"Is this the end?" she asked. It was.')).toEqual([
      '"Is this the end?" she asked.',
      'It was.',
    ]);
  });

  it('copes with a quotation left open (it continues in the next paragraph)', () => {
    expect(splitSentences('\u201cWe have a plan. It will work. Trust us.')).toEqual([
      '\u201cWe have a plan.',
      'It will work.',
      'Trust us.',
    ]);
  });
});
