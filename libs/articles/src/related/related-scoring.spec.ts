import { idf, recencyFactor, relatedScore, topicOverlap } from './related-scoring';

describe('related scoring', () => {
  const day = (d: number) => new Date(Date.UTC(2025, 0, 1 + d));

  it('is symmetric', () => {
    const a = { topics: ['markets', 'energy'], publishedAt: day(0) };
    const b = { topics: ['markets'], publishedAt: day(12) };
    expect(relatedScore(0.4, a, b)).toBeCloseTo(relatedScore(0.4, b, a), 12);
  });

  it('boosts shared topics and decays with the time between articles', () => {
    const base = { topics: ['sport'], publishedAt: day(0) };
    expect(relatedScore(0.3, base, { topics: ['sport'], publishedAt: day(0) })).toBeGreaterThan(
      relatedScore(0.3, base, { topics: ['health'], publishedAt: day(0) }),
    );
    expect(relatedScore(0.3, base, { topics: ['sport'], publishedAt: day(1) })).toBeGreaterThan(
      relatedScore(0.3, base, { topics: ['sport'], publishedAt: day(90) }),
    );
    expect(recencyFactor(day(0), day(30))).toBeCloseTo(0.5);
  });

  it('measures topic overlap as a share of all topics', () => {
    expect(topicOverlap(['a', 'b'], ['b', 'c'])).toBeCloseTo(1 / 3);
    expect(topicOverlap([], ['a'])).toBe(0);
  });

  it('weights rare terms above common ones', () => {
    expect(idf(1000, 2)).toBeGreaterThan(idf(1000, 900));
    expect(idf(1000, 1000)).toBeGreaterThan(0);
  });
});
