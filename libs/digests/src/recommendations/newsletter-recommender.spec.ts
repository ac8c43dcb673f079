import { readerNewsletters, RecommendableNewsletter, recommendNewsletters } from './newsletter-recommender';

const nl = (id: string, topics: string[], name = id): RecommendableNewsletter => ({
  id,
  slug: id,
  name,
  description: '',
  topics,
});

const catalogue = [
  nl('world', ['foreign-policy', 'europe', 'diplomacy']),
  nl('europe-brief', ['europe', 'diplomacy']),
  nl('defence', ['defence', 'foreign-policy', 'security', 'military']),
  nl('markets', ['markets', 'economy']),
  nl('money', ['personal-finance', 'economy', 'markets']),
  nl('sport', ['football', 'tennis']),
  nl('untagged', []),
];

describe('recommendNewsletters', () => {
  it('ranks newsletters by topic overlap with what the reader receives', () => {
    const recs = recommendNewsletters(catalogue, { receiving: ['world'] }, 5);
    expect(recs.map((r) => r.newsletter.id)).toEqual(['europe-brief', 'defence']);
  });

  it('never recommends what the reader receives, a list they left, nor an unrelated one', () => {
    const recs = recommendNewsletters(catalogue, { receiving: ['world', 'markets'], excluded: ['europe-brief'] }, 10);
    const ids = recs.map((r) => r.newsletter.id);
    expect(ids).not.toContain('world');
    expect(ids).not.toContain('markets');
    expect(ids).not.toContain('europe-brief');
    expect(ids).not.toContain('sport');
    expect(ids).not.toContain('untagged');
    expect(ids).toEqual(expect.arrayContaining(['defence', 'money']));
  });

  it('returns at most two by default', () => {
    const wide = [...catalogue, nl('diplomacy-weekly', ['diplomacy']), nl('eu-politics', ['europe'])];
    expect(recommendNewsletters(wide, { receiving: ['world'] })).toHaveLength(2);
  });

  it('recommends nothing to a reader whose newsletters have no topics', () => {
    expect(recommendNewsletters(catalogue, { receiving: ['untagged'] })).toEqual([]);
  });

  it('ignores letter case and stray spaces in topics', () => {
    const recs = recommendNewsletters([nl('a', ['Markets ']), nl('b', ['markets'])], { receiving: ['a'] });
    expect(recs.map((r) => r.newsletter.id)).toEqual(['b']);
  });
});

describe('readerNewsletters', () => {
  it('treats active subscriptions as received and the others as not to be suggested', () => {
    expect(
      readerNewsletters([
        { newsletterId: 'a', status: 'active' },
        { newsletterId: 'b', status: 'unsubscribed' },
        { newsletterId: 'c', status: 'pending' },
      ]),
    ).toEqual({ receiving: ['a'], excluded: ['b', 'c'] });
  });
});
