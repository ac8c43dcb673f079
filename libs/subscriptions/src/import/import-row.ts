import {
  cleanName,
  isValidReaderEmail,
  MAX_NAME_LENGTH,
  plainTextProblem,
  toStoredEmail,
} from '../readers/reader-input';

/** A valid import row, normalised. */
export interface ImportRow {
  line: number;
  email: string;
  name: string | null;
  /** Newsletter ids. */
  newsletterIds: string[];
  consentedAt: Date;
  consentSource: string;
}

export type RowCheck = { ok: true; row: ImportRow } | { ok: false; reason: string };

const MAX_SOURCE_LENGTH = 500;
/** Clocks differ; a consent "from the future" beyond this is a data error. */
const FUTURE_TOLERANCE_MS = 24 * 3600 * 1000;
/** ISO 8601 date, optionally with a time: "2024-05-01", "2024-05-01T09:30:00Z". */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Checks and normalises one imported row (from JSON or CSV). `newsletterIdOf`
 * maps a slug to its id, or undefined for an unknown slug. CSV gives newsletters
 * as one cell separated by ";" or "|".
 */
export function checkImportRow(
  raw: unknown,
  line: number,
  newsletterIdOf: (slug: string) => string | undefined,
  now: number,
): RowCheck {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return fail('row must be an object');
  const r = raw as Record<string, unknown>;

  if (!isValidReaderEmail(r.email)) return fail('email: not a valid email address');
  const email = toStoredEmail(r.email)!;

  let name: string | null = null;
  if (r.name !== undefined && r.name !== null && r.name !== '') {
    if (typeof r.name !== 'string') return fail('name: must be text');
    const problem = plainTextProblem(r.name.trim(), MAX_NAME_LENGTH);
    if (problem) return fail(`name: ${problem}`);
    name = cleanName(r.name);
  }

  const slugs = newsletterList(r.newsletters);
  if (!slugs) return fail('newsletters: must be a list of newsletter slugs');
  if (slugs.length === 0) return fail('newsletters: at least one newsletter is required');
  const unknown = slugs.filter((s) => !newsletterIdOf(s));
  if (unknown.length > 0) return fail(`newsletters: unknown newsletter ${unknown.map((s) => `"${s}"`).join(', ')}`);

  const consentedAt = parseDate(r.consentedAt);
  if (!consentedAt) return fail('consentedAt: must be an ISO 8601 date');
  if (consentedAt.getTime() > now + FUTURE_TOLERANCE_MS) return fail('consentedAt: must not be in the future');

  if (typeof r.consentSource !== 'string' || r.consentSource.trim() === '') {
    return fail('consentSource: required (where and how the reader consented)');
  }
  const sourceProblem = plainTextProblem(r.consentSource.trim(), MAX_SOURCE_LENGTH);
  if (sourceProblem) return fail(`consentSource: ${sourceProblem}`);

  return {
    ok: true,
    row: {
      line,
      email,
      name,
      newsletterIds: slugs.map((s) => newsletterIdOf(s)!),
      consentedAt,
      consentSource: r.consentSource.trim(),
    },
  };
}

function fail(reason: string): RowCheck {
  return { ok: false, reason };
}

function newsletterList(value: unknown): string[] | null {
  let items: unknown[];
  if (typeof value === 'string') items = value.split(/[;|]/);
  else if (Array.isArray(value)) items = value;
  else return null;
  if (!items.every((s) => typeof s === 'string')) return null;
  return [...new Set((items as string[]).map((s) => s.trim()).filter(Boolean))];
}

function parseDate(value: unknown): Date | null {
  if (typeof value !== 'string' || !ISO_DATE.test(value.trim())) return null;
  const date = new Date(value.trim());
  return Number.isNaN(date.getTime()) ? null : date;
}
