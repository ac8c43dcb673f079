import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { ConsentAction, ConsentEvent } from '@app/database';

/** Where a reader's request came from, as recorded in the ledger. */
export interface ReaderRequestMeta {
  ip: string | null;
  userAgent: string | null;
}

export interface ConsentEntry {
  subscriberId: string;
  action: ConsentAction;
  /** Newsletter slugs the event covers. */
  newsletters: string[];
  consentVersion?: string | null;
  consentTextSha256?: string | null;
  source: string | null;
  meta?: ReaderRequestMeta;
  details?: Record<string, unknown> | null;
}

/** User agents can be arbitrarily long; the ledger keeps enough to recognise the client. */
const MAX_USER_AGENT = 512;

/**
 * The append-only consent ledger: proof of what each reader agreed to, when, where
 * and how. Written inside the caller's transaction, so an event exists exactly
 * when the change it records does.
 */
@Injectable()
export class ConsentLedger {
  constructor(@InjectRepository(ConsentEvent) private readonly events: Repository<ConsentEvent>) {}

  /** Appends an event; returns its id. */
  async record(em: EntityManager, entry: ConsentEntry): Promise<string> {
    const rows: Array<{ id: string }> = await em.query(
      `INSERT INTO consent_events
         (subscriber_id, action, newsletters, consent_version, consent_text_sha256, ip, user_agent, source, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       RETURNING id`,
      [entry.subscriberId, ...this.columnsOf(entry)],
    );
    return String(rows[0].id);
  }

  /** The most recent event of a kind for a reader (e.g. the subscribe a confirmation completes). */
  latest(em: EntityManager, subscriberId: string, action: ConsentAction): Promise<ConsentEvent | null> {
    return em
      .getRepository(ConsentEvent)
      .findOne({ where: { subscriberId, action }, order: { at: 'DESC', id: 'DESC' } });
  }

  /** A reader's whole history, oldest first. */
  historyOf(subscriberId: string): Promise<ConsentEvent[]> {
    return this.events.find({ where: { subscriberId }, order: { at: 'ASC', id: 'ASC' } });
  }

  /**
   * The stored columns of an entry, in table order from action to details (after
   * subscriber_id), as query parameters. Statements that write an event together with
   * the reader it belongs to (the sign-up statement) take them from here.
   */
  columnsOf(entry: Omit<ConsentEntry, 'subscriberId'>): unknown[] {
    return [
      entry.action,
      entry.newsletters,
      entry.consentVersion ?? null,
      entry.consentTextSha256 ?? null,
      entry.meta?.ip ?? null,
      entry.meta?.userAgent?.slice(0, MAX_USER_AGENT) ?? null,
      entry.source,
      entry.details ? JSON.stringify(entry.details) : null,
    ];
  }
}
