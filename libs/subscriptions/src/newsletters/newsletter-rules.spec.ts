import { isValidCron, isValidSlug, isValidTimeZone, normaliseTopics } from './newsletter-rules';

describe('newsletter rules', () => {
  it('accepts URL-safe slugs only', () => {
    for (const ok of ['morning-briefing', 'a', 'sport-2026']) expect(isValidSlug(ok)).toBe(true);
    for (const bad of ['Morning', 'two--hyphens', '-lead', 'trail-', 'with space', 'ünïcode', '', 'x'.repeat(65), 7]) {
      expect(isValidSlug(bad)).toBe(false);
    }
  });

  it('accepts 5- and 6-field cron expressions and refuses typos', () => {
    for (const ok of ['0 7 * * *', '30 6 * * 1-5', '0 0 8 * * 1', '@daily']) expect(isValidCron(ok)).toBe(true);
    for (const bad of ['0 7 * *', '61 * * * *', '0 7 * * 8', 'every morning', '', 42])
      expect(isValidCron(bad)).toBe(false);
  });

  it('knows IANA zones', () => {
    for (const ok of ['UTC', 'Europe/London', 'America/New_York']) expect(isValidTimeZone(ok)).toBe(true);
    for (const bad of ['Mars/Olympus', 'GMT+25', '', null]) expect(isValidTimeZone(bad)).toBe(false);
    expect(isValidCron('0 7 * * *', 'Europe/London')).toBe(true);
  });

  it('compares topics trimmed and lower-cased, without duplicates', () => {
    expect(normaliseTopics([' World ', 'world', 'Foreign-Policy', ''])).toEqual(['world', 'foreign-policy']);
  });
});
