import { dateLabel, slugify, webVersionPath } from './digest-renderer';

describe('web version addresses', () => {
  it('turns a headline into a short URL slug, accents and punctuation removed', () => {
    expect(slugify('Central bank holds rates <again>, as inflation cools!')).toBe(
      'central-bank-holds-rates-again-as-inflation-cools',
    );
    expect(slugify('Élections à Zürich: « résultats »')).toBe('elections-a-zurich-resultats');
    expect(slugify('!!!')).toBe('issue');
    expect(slugify('word '.repeat(40)).length).toBeLessThanOrEqual(60);
    expect(slugify('word '.repeat(40))).not.toMatch(/-$/);
  });

  it('puts the id first, so the slug is cosmetic', () => {
    expect(webVersionPath('abc', 'some-headline')).toBe('/issues/abc/some-headline');
  });
});

describe('dateLabel', () => {
  it("writes the issue's date in the newsletter's timezone", () => {
    const lateEvening = new Date('2025-03-09T23:30:00Z');
    expect(dateLabel(lateEvening, 'UTC')).toBe('Sunday, 9 March 2025');
    expect(dateLabel(lateEvening, 'Asia/Tokyo')).toBe('Monday, 10 March 2025');
  });

  it('falls back to UTC for an unknown timezone', () => {
    expect(dateLabel(new Date('2025-03-09T12:00:00Z'), 'Mars/Olympus')).toBe('Sunday, 9 March 2025');
  });
});
