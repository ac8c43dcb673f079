import { articleHtmlToText } from '../text/article-html';
import { splitSentences, wordCount } from './sentences';
import { articleSummary, MAX_RANKED_SENTENCES, summarise } from './summarise';

const SANCTIONS_TITLE = 'Ministers agree new sanctions package as ceasefire talks stall';
const SANCTIONS_HTML = `
<p>European foreign ministers agreed on Monday to a fresh package of sanctions targeting the country's energy exports, after talks on a ceasefire in the east stalled for a third week.</p>
<p>The measures, which must still be adopted by national governments, would cap the price of seaborne crude at $45 a barrel and bar insurers from covering tankers that breach the limit.</p>
<p>"We cannot reward aggression with business as usual," Mr. Dupont, the French minister, told reporters in Brussels. "The U.S. and our partners in the G7 stand with us. This package is the strongest yet."</p>
<p><strong>Sign up to our World Briefing newsletter</strong> to get the day's top stories delivered to your inbox every morning.</p>
<p>[INSIGHT] How the price cap reshaped the tanker market</p>
<p>Officials said the cap, first introduced in 2022, had cut the country's energy revenues by an estimated 2.5 billion euros a month, although enforcement of the sanctions remained patchy.</p>
<p>Read more: Ceasefire talks collapse as shelling resumes</p>
<p>Related: <a href="https://news.example.com/world/energy">What the sanctions mean for fuel prices</a></p>
<p>Diplomats in Vienna, where the ceasefire talks are being held, said negotiators had failed to agree on the sequencing of a prisoner exchange and the withdrawal of heavy weapons.</p>
<p>Photograph: Jean Martin/Reuters</p>
<p>Source: Reuters, AFP</p>
<p>(Reporting by Anna Weiss; Editing by Tom Hale)</p>`;

// Boilerplate placed where the lead prior is strongest, and a blurb sentence inside a story paragraph.
const HOSPITAL_TITLE = 'Hospital waiting lists rise again as winter pressures mount';
const HOSPITAL_TEXT = `Subscribe now for just £1 a week and get unlimited access to our health coverage.

Sign up to our free Health Check newsletter here.

Waiting lists for routine hospital treatment in England rose to 7.8 million in October, the highest level since records began, as winter pressures on emergency departments mounted.

Dr. Sarah Khan, who leads the Royal College of Emergency Medicine, said the figures were "deeply worrying". Don't miss our weekly health newsletter, delivered straight to your inbox. "Patients are waiting longer in pain, and staff are exhausted," she said.

[ANALYSIS] Why the NHS backlog keeps growing

The Department of Health said an extra £2.1bn had been allocated to cut waiting lists, including 160 new diagnostic centres that would open by March.

Related: Nurses vote on strike action | GP appointments: what you need to know

Read more

Hospital managers said flu admissions had doubled in a fortnight, leaving fewer beds for planned operations such as hip and knee replacements.

Follow us on Twitter and Facebook for the latest updates.

Copyright © 2025 Example News Ltd. All rights reserved.`;

const BOILERPLATE = [
  /sign up/i,
  /newsletter/i,
  /inbox/i,
  /subscribe/i,
  /\[[A-Z]+\]/,
  /read more/i,
  /related:/i,
  /source:/i,
  /photograph/i,
  /reporting by/i,
  /follow us/i,
  /copyright|©/i,
  /price cap reshaped/i,
  /backlog keeps growing/i,
];

function expectGoodSummary(summary: string, sourceText: string): void {
  for (const pattern of BOILERPLATE) expect(summary).not.toMatch(pattern);
  const sentences = splitSentences(summary);
  expect(sentences.length).toBeGreaterThanOrEqual(2);
  expect(sentences.length).toBeLessThanOrEqual(3);
  expect(wordCount(summary)).toBeLessThanOrEqual(60);
  const flat = sourceText.replace(/\s+/g, ' ');
  for (const sentence of sentences) {
    // Whole sentences, exactly as written.
    expect(flat).toContain(sentence);
    expect(sentence).toMatch(/[.!?]["\u201d]?$/);
  }
}

describe('summarise', () => {
  it('summarises a news story with quotes and furniture without any of the furniture', () => {
    const text = articleHtmlToText(SANCTIONS_HTML);
    const summary = summarise(SANCTIONS_TITLE, text);
    expectGoodSummary(summary, text);
    // The lead carries the story.
    expect(summary).toContain('European foreign ministers agreed on Monday');
  });

  it('never picks sign-up blurbs, even at the top of the article or inside a paragraph', () => {
    const summary = summarise(HOSPITAL_TITLE, HOSPITAL_TEXT);
    expectGoodSummary(summary, HOSPITAL_TEXT);
    expect(summary).toContain('Waiting lists for routine hospital treatment');
    expect(summary).not.toMatch(/£1 a week|Twitter/);
  });

  it('keeps within the word budget by taking fewer or shorter sentences, never cutting one', () => {
    const long = Array.from(
      { length: 6 },
      (_, i) =>
        `Paragraph ${i + 1} explains in considerable and deliberately exhaustive detail how the regional water authority plans to replace ageing pipes across several districts over the coming decade, with costs shared between ratepayers and the national government.`,
    ).join('\n\n');
    const summary = summarise('Water authority unveils pipe plan', `${long}\n\nThe plan was approved on Tuesday.`);
    expect(wordCount(summary)).toBeLessThanOrEqual(60);
    expect(summary.endsWith('.')).toBe(true);
    expect(long + ' The plan was approved on Tuesday.').toContain(splitSentences(summary)[0]);
  });

  it('ranks only the opening sentences of a very long article', () => {
    // Filler sentences share no word with each other or the title; the story the title names
    // comes after them, where ranking it would mean comparing hundreds of sentences pairwise.
    const word = (n: number) => [...n.toString(26)].map((d) => String.fromCharCode(97 + parseInt(d, 26))).join('');
    const filler = Array.from({ length: MAX_RANKED_SENTENCES + 50 }, (_, i) => {
      const words = Array.from({ length: 6 }, (_, k) => `${word(i * 6 + k + 700)}x`);
      return `Q${words.join(' ')}.`;
    });
    const story = Array.from(
      { length: 20 },
      (_, i) => `River flood defences failed overnight in ${i + 2} northern valley towns, officials said.`,
    );
    const title = 'River flood defences fail in northern valley towns';
    const summary = summarise(title, [...filler, ...story].join('\n\n'));
    expect(summary).not.toBe('');
    expect(summary).not.toContain('River flood');
    expect(filler.slice(0, MAX_RANKED_SENTENCES).join(' ')).toContain(splitSentences(summary)[0]);
  });

  it('returns nothing rather than boilerplate when there is no story text', () => {
    expect(summarise('Newsletter', 'Sign up to our newsletter here.\n\nRead more: other stories')).toBe('');
  });
});

describe('articleSummary', () => {
  it('keeps a given summary as written', () => {
    const given = '  Ministers back a price cap on crude — but the talks stall.  ';
    expect(articleSummary(given, SANCTIONS_TITLE, articleHtmlToText(SANCTIONS_HTML))).toEqual({
      summary: 'Ministers back a price cap on crude — but the talks stall.',
      generated: false,
    });
  });

  it('generates one when none is given', () => {
    const result = articleSummary(undefined, HOSPITAL_TITLE, HOSPITAL_TEXT);
    expect(result.generated).toBe(true);
    expectGoodSummary(result.summary, HOSPITAL_TEXT);
  });
});
