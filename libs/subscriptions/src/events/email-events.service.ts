import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { maskEmail } from '@app/common';
import type { SuppressionReason } from '@app/database';
import { scrubAddresses } from '../privacy/scrub';
import { SuppressionService } from '../suppression/suppression.service';
import { ProviderEvent } from './provider-event';

/** Three soft bounces within this window suppress the address, as persistent as a hard bounce. */
export const SOFT_BOUNCE_LIMIT = 3;
export const SOFT_BOUNCE_WINDOW_MS = 14 * 24 * 3600 * 1000;

export interface EventsOutcome {
  received: number;
  /** New events stored; the rest were replays of events already stored. */
  recorded: number;
  duplicates: number;
  /** Addresses newly put on the suppression list by these events. */
  suppressed: number;
}

const SUPPRESSING: Partial<Record<ProviderEvent['type'], SuppressionReason>> = {
  hard_bounce: 'hard_bounce',
  complaint: 'complaint',
};

/**
 * Provider feedback (bounces, complaints, deliveries). Stores each event once,
 * keyed by the address's hash, marks the delivery it belongs to, and suppresses
 * addresses that must not be mailed again.
 */
@Injectable()
export class EmailEventsService {
  private readonly logger = new Logger(EmailEventsService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly suppression: SuppressionService,
  ) {}

  async record(events: ProviderEvent[]): Promise<EventsOutcome> {
    const outcome: EventsOutcome = { received: events.length, recorded: 0, duplicates: 0, suppressed: 0 };
    for (const event of events) {
      const stored = await this.store(event);
      if (!stored) {
        outcome.duplicates += 1;
        continue;
      }
      outcome.recorded += 1;
      if (stored.deliveryId) await this.markDelivery(stored.deliveryId);
      if (await this.suppressIfNeeded(event)) outcome.suppressed += 1;
    }
    return outcome;
  }

  /** Inserts the event unless it is a replay; returns the stored row's delivery, or null for a replay. */
  private async store(event: ProviderEvent): Promise<{ deliveryId: string | null } | null> {
    const messageIds = event.messageId ? [event.messageId, `<${event.messageId}>`] : [];
    const rows: Array<{ delivery_id: string | null }> = await this.db.query(
      `INSERT INTO email_events (type, email_hash, message_id, delivery_id, reason, at)
       VALUES ($1, $2, $3, (SELECT id FROM deliveries WHERE message_id = ANY($4::text[]) ORDER BY id LIMIT 1), $5, $6)
       ON CONFLICT DO NOTHING
       RETURNING delivery_id`,
      [
        event.type,
        this.suppression.hashOf(event.email),
        event.messageId,
        messageIds,
        scrubAddresses(event.reason),
        event.at,
      ],
    );
    return rows.length ? { deliveryId: rows[0].delivery_id } : null;
  }

  /** The delivery shows its latest event by event time, whatever order providers send them in. */
  private async markDelivery(deliveryId: string): Promise<void> {
    await this.db.query(
      `UPDATE deliveries SET last_event = latest.type, updated_at = now()
       FROM (SELECT type FROM email_events WHERE delivery_id = $1 ORDER BY at DESC, id DESC LIMIT 1) latest
       WHERE deliveries.id = $1`,
      [deliveryId],
    );
  }

  private async suppressIfNeeded(event: ProviderEvent): Promise<boolean> {
    const reason =
      SUPPRESSING[event.type] ??
      (event.type === 'soft_bounce' && (await this.softBounceLimitReached(event)) ? 'soft_bounces' : undefined);
    if (!reason || (await this.suppression.isSuppressed(event.email))) return false;
    await this.suppression.suppress(event.email, reason, event.reason);
    this.logger.log(`suppressed ${maskEmail(event.email)}: ${reason}`);
    return true;
  }

  /** True when some 14-day window around this event holds three soft bounces (events may arrive out of order). */
  private async softBounceLimitReached(event: ProviderEvent): Promise<boolean> {
    const rows: Array<{ at: Date }> = await this.db.query(
      `SELECT at FROM email_events
       WHERE email_hash = ANY($1::text[]) AND type = 'soft_bounce' AND at BETWEEN $2 AND $3
       ORDER BY at`,
      [
        this.suppression.hashesOf(event.email),
        new Date(event.at.getTime() - SOFT_BOUNCE_WINDOW_MS),
        new Date(event.at.getTime() + SOFT_BOUNCE_WINDOW_MS),
      ],
    );
    const times = rows.map((r) => new Date(r.at).getTime());
    return times.some(
      (t, i) =>
        i + SOFT_BOUNCE_LIMIT - 1 < times.length && times[i + SOFT_BOUNCE_LIMIT - 1] - t <= SOFT_BOUNCE_WINDOW_MS,
    );
  }
}
