import { CronExpressionParser } from 'cron-parser';

/** Lower-case words joined by single hyphens: safe in URLs, job ids and List-Id headers. */
export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const MAX_SLUG_LENGTH = 64;
export const MAX_TOPICS = 50;
export const MAX_ARTICLES_LIMIT = 50;

export function isValidSlug(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_SLUG_LENGTH && SLUG_PATTERN.test(value);
}

/** An IANA zone name the runtime knows ("Europe/London", "UTC"). */
export function isValidTimeZone(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** A 5-field (or 6-field with seconds) cron expression that yields a next run in the given zone. */
export function isValidCron(value: unknown, timezone = 'UTC'): value is string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 120) return false;
  // cron-parser tolerates missing fields ("0 7 * *"), which is almost always a typo.
  const fields = value.trim().split(/\s+/).length;
  if (!value.trim().startsWith('@') && fields !== 5 && fields !== 6) return false;
  try {
    CronExpressionParser.parse(value, { tz: timezone }).next();
    return true;
  } catch {
    return false;
  }
}

/** Topics are matched against article topics, so they are compared trimmed and lower-cased. */
export function normaliseTopics(topics: string[]): string[] {
  return [...new Set(topics.map((t) => t.trim().toLowerCase()).filter(Boolean))];
}
