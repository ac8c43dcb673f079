import { z } from 'zod';
import type { EmailEventType } from '@app/database';

/** A provider-neutral delivery event, as POST /webhooks/events accepts it. */
export interface ProviderEvent {
  type: EmailEventType;
  email: string;
  /** The Message-ID we sent, with or without angle brackets. */
  messageId: string | null;
  at: Date;
  reason: string | null;
}

export const MAX_EVENTS_PER_REQUEST = 1000;
const EARLIEST_EVENT = new Date('2000-01-01T00:00:00Z');
const LATEST_EVENT = new Date('2100-01-01T00:00:00Z');

export class EventValidationError extends Error {
  constructor(readonly errors: Array<{ field: string; message: string }>) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
  }
}

// Deliberately permissive: internationalised addresses (SMTPUTF8, IDN) must be accepted,
// but whitespace and control characters (header injection) never are.
const address = z
  .string()
  .trim()
  .max(320)
  .regex(/^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+$/u, 'must be an email address');

const timestamp = z
  .union([z.string().max(64), z.number()])
  .transform((v) => new Date(v))
  .refine((d) => !Number.isNaN(d.getTime()), 'must be an ISO 8601 date-time or epoch milliseconds')
  .refine((d) => d >= EARLIEST_EVENT && d <= LATEST_EVENT, 'must be between 2000 and 2100');

const eventSchema = z.object({
  type: z.enum(['hard_bounce', 'soft_bounce', 'complaint', 'delivered'], {
    errorMap: () => ({ message: 'must be one of hard_bounce, soft_bounce, complaint, delivered' }),
  }),
  email: address,
  // A Message-ID is printable ASCII (RFC 5322); anything else cannot be one of ours.
  messageId: z
    .string()
    .trim()
    .max(998)
    .regex(/^[\x21-\x7e]*$/, 'must be printable ASCII without spaces')
    .nullish(),
  at: timestamp,
  // Free text from mail servers: kept, minus NUL bytes (PostgreSQL text cannot hold them).
  reason: z
    .string()
    .max(10_000)
    .transform((v) => v.replaceAll('\u0000', ''))
    .nullish(),
});

const batchSchema = z.array(eventSchema).min(1, 'must hold at least one event').max(MAX_EVENTS_PER_REQUEST);

/** Validates one event or an array of events; throws EventValidationError naming each bad field. */
export function parseProviderEvents(body: unknown): ProviderEvent[] {
  const batched = Array.isArray(body);
  if (!batched && (typeof body !== 'object' || body === null)) {
    throw new EventValidationError([{ field: 'body', message: 'must be an event object or an array of events' }]);
  }
  const parsed = batched ? batchSchema.safeParse(body) : eventSchema.safeParse(body);
  if (!parsed.success) {
    throw new EventValidationError(
      dedupe(parsed.error.issues.map((i) => ({ field: fieldName(i.path, batched), message: i.message }))),
    );
  }
  const events = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
  return events.map((e) => ({
    type: e.type,
    email: e.email,
    messageId: e.messageId ? bareMessageId(e.messageId) : null,
    at: e.at,
    reason: e.reason ?? null,
  }));
}

/** "<abc@host>" and "abc@host" name the same message. */
export function bareMessageId(messageId: string): string {
  return messageId.trim().replace(/^<|>$/g, '');
}

function fieldName(path: Array<string | number>, batched: boolean): string {
  if (!batched) return path.join('.') || 'body';
  const [index, ...rest] = path;
  if (typeof index !== 'number') return 'body';
  return rest.length ? `[${index}].${rest.join('.')}` : `[${index}]`;
}

function dedupe(errors: Array<{ field: string; message: string }>): Array<{ field: string; message: string }> {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.field}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
