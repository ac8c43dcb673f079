import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { bareMessageId, ProviderEvent } from './provider-event';

/**
 * Mailgun webhooks (https://documentation.mailgun.com, "Webhooks"), mapped to our
 * provider-neutral events:
 *
 * | Mailgun event-data                      | Dispatch event |
 * |-----------------------------------------|----------------|
 * | event "failed", severity "permanent"    | hard_bounce    |
 * | event "failed", severity "temporary"    | soft_bounce    |
 * | event "complained"                      | complaint      |
 * | event "delivered"                       | delivered      |
 * | anything else (opened, clicked, ...)    | ignored        |
 *
 * email ← event-data.recipient; messageId ← event-data.message.headers["message-id"];
 * at ← event-data.timestamp (epoch seconds); reason ← delivery-status code + description/message.
 * Authenticity: signature.signature = hex HMAC-SHA256(signing key, timestamp + token),
 * and the timestamp must be recent (a captured request cannot be replayed later).
 */
export const MAILGUN_MAX_AGE_SECONDS = 15 * 60;

const mailgunSchema = z.object({
  signature: z.object({
    timestamp: z.union([z.string(), z.number()]).transform(String),
    token: z.string().max(256),
    signature: z.string().max(256),
  }),
  'event-data': z.object({
    event: z.string(),
    severity: z.string().optional(),
    recipient: z.string().max(320),
    timestamp: z.number(),
    message: z
      .object({ headers: z.record(z.unknown()).optional() })
      .partial()
      .optional(),
    'delivery-status': z
      .object({
        code: z.union([z.number(), z.string()]).optional(),
        message: z.string().optional(),
        description: z.string().optional(),
      })
      .partial()
      .optional(),
  }),
});

export type MailgunWebhook = z.infer<typeof mailgunSchema>;

export class MailgunPayloadError extends Error {}

export function parseMailgunWebhook(body: unknown): MailgunWebhook {
  const parsed = mailgunSchema.safeParse(body);
  if (!parsed.success)
    throw new MailgunPayloadError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}

/** Signed with the key and fresh (within 15 minutes of `nowMs`). */
export function isAuthenticMailgunWebhook(webhook: MailgunWebhook, signingKey: string, nowMs: number): boolean {
  const { timestamp, token, signature } = webhook.signature;
  const age = nowMs / 1000 - Number(timestamp);
  if (!Number.isFinite(age) || Math.abs(age) > MAILGUN_MAX_AGE_SECONDS) return false;
  const expected = createHmac('sha256', signingKey)
    .update(timestamp + token)
    .digest('hex');
  const given = Buffer.from(signature.toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, Buffer.from(expected));
}

/** The neutral event for a Mailgun webhook, or null for events we do not act on. */
export function mailgunToProviderEvent(webhook: MailgunWebhook): ProviderEvent | null {
  const data = webhook['event-data'];
  const type =
    data.event === 'failed'
      ? data.severity === 'permanent'
        ? 'hard_bounce'
        : 'soft_bounce'
      : data.event === 'complained'
        ? 'complaint'
        : data.event === 'delivered'
          ? 'delivered'
          : null;
  if (!type) return null;
  const header = data.message?.headers?.['message-id'];
  const status = data['delivery-status'];
  const reason = [status?.code, status?.description || status?.message]
    .filter((p) => p !== undefined && p !== '')
    .join(' ');
  return {
    type,
    email: data.recipient.trim(),
    messageId: typeof header === 'string' && header.trim() ? bareMessageId(header) : null,
    at: new Date(data.timestamp * 1000),
    reason: reason ? reason.replaceAll('\u0000', '') : null,
  };
}
