import { CandidateArticle, freshness, rankArticles, topicMatch } from './article-ranking';

const now = new Date('2025-03-10T07:00:00Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
const article = (id: string, topics: string[], ageHours: number): CandidateArticle => ({
  id,
  title: `Title ${id}`,
  url: `https://news.example/${id}`,
  summary: '',
  topics,
  publishedAt: hoursAgo(ageHours),
  imageUrl: null,
});

describe('topicMatch', () => {
  it('is the share of the article topics the newsletter covers, case-insensitively', () => {
    expect(topicMatch(['Markets', 'energy'], ['markets'])).toBe(0.5);
    expect(topicMatch(['markets'], ['MARKETS ', 'economy'])).toBe(1);
    expect(topicMatch(['sport'], ['markets'])).toBe(0);
  });

  it('lets a newsletter without topics take every article', () => {
    expect(topicMatch(['sport'], [])).toBe(1);
  });

  it('gives no match to an article without topics when the newsletter has some', () => {
    expect(topicMatch([], ['markets'])).toBe(0);
  });
});

describe('freshness', () => {
  it('halves every 12 hours and never exceeds 1 for future dates', () => {
    expect(freshness(now, now)).toBe(1);
    expect(freshness(hoursAgo(12), now)).toBeCloseTo(0.5);
    expect(freshness(hoursAgo(-5), now)).toBe(1);
  });
});

describe('rankArticles', () => {
  it('puts fresh, on-topic stories first and drops off-topic ones', () => {
    const ranked = rankArticles(
      [
        article('old-on-topic', ['markets'], 20),
        article('fresh-on-topic', ['markets'], 1),
        article('fresh-half-topic', ['markets', 'sport'], 1),
        article('off-topic', ['sport'], 0),
      ],
      ['markets'],
      now,
      10,
    );
    expect(ranked.map((a) => a.id)).toEqual(['fresh-on-topic', 'fresh-half-topic', 'old-on-topic']);
  });

  it('prefers a perfectly matching story to a slightly fresher loosely matching one', () => {
    const ranked = rankArticles(
      [article('loose', ['markets', 'sport', 'culture'], 1), article('exact', ['markets'], 2)],
      ['markets'],
      now,
      10,
    );
    expect(ranked[0].id).toBe('exact');
  });

  it('keeps at most the limit, breaking ties by recency then id', () => {
    const ranked = rankArticles(
      [article('b', ['markets'], 3), article('a', ['markets'], 3), article('c', ['markets'], 2)],
      ['markets'],
      now,
      2,
    );
    expect(ranked.map((a) => a.id)).toEqual(['c', 'a']);
  });
});
