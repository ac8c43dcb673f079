import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Readable } from 'node:stream';
import { DataSource, EntityManager } from 'typeorm';
import { CLOCK, Clock } from '@app/common';
import { Newsletter } from '@app/database';
import { SuppressionService } from '../suppression/suppression.service';
import { checkImportRow, ImportRow } from './import-row';
import { ImportFormat, readRows } from './import-sources';

export interface ImportResult {
  /** Readers new to Dispatch. */
  imported: number;
  /** Rows for readers already known (their subscriptions are brought up to date). */
  updated: number;
  /** Suppressed addresses: never imported. */
  skipped: number;
  /** Rows refused, with their line in the upload (the first MAX_REPORTED_INVALID of them). */
  invalid: Array<{ line: number; reason: string }>;
  /** How many rows were refused in all. */
  invalidCount: number;
}

type KeyedRow = ImportRow & { key: string };

/** Rows written per transaction: large enough for speed, small enough to keep locks and memory short. */
export const IMPORT_BATCH_SIZE = 1000;
const MAX_REPORTED_INVALID = 1000;

/**
 * Imports readers who consented elsewhere (a publisher moving platforms). The
 * upload is streamed and written in batches (multi-row upserts), so 100,000
 * rows take seconds and memory stays flat. Each new or re-activated
 * subscription gets an `import` consent event carrying its provenance.
 */
@Injectable()
export class SubscriberImportService {
  private readonly logger = new Logger(SubscriberImportService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly suppression: SuppressionService,
    @Optional() @Inject(CLOCK) private readonly now: Clock = Date.now,
  ) {}

  /**
   * Valid rows are imported even when others are not. Throws ImportFormatError
   * or ImportTooLargeError (with `partial` set to the counts so far) when the
   * upload cannot be read to its end.
   */
  async import(source: Readable, format: ImportFormat, maxBytes: number): Promise<ImportResult> {
    const result: ImportResult = { imported: 0, updated: 0, skipped: 0, invalid: [], invalidCount: 0 };
    const newsletterIdOf = await this.newsletterLookup();
    const now = this.now();
    let batch: ImportRow[] = [];
    try {
      for await (const item of readRows(source, format, maxBytes)) {
        if ('unreadable' in item) {
          this.refuse(result, item.line, item.unreadable);
          continue;
        }
        const check = checkImportRow(item.raw, item.line, newsletterIdOf, now);
        if (!check.ok) {
          this.refuse(result, item.line, check.reason);
          continue;
        }
        batch.push(check.row);
        if (batch.length >= IMPORT_BATCH_SIZE) {
          await this.writeBatch(batch, result);
          batch = [];
        }
      }
      await this.writeBatch(batch, result);
    } catch (err) {
      Object.assign(err as object, { partial: result });
      throw err;
    }
    this.logger.log(
      `import: ${result.imported} imported, ${result.updated} updated, ${result.skipped} skipped, ${result.invalidCount} invalid`,
    );
    return result;
  }

  private refuse(result: ImportResult, line: number, reason: string): void {
    result.invalidCount++;
    if (result.invalid.length < MAX_REPORTED_INVALID) result.invalid.push({ line, reason });
  }

  private async newsletterLookup(): Promise<(slug: string) => string | undefined> {
    const all = await this.db.getRepository(Newsletter).find();
    const bySlug = new Map(all.map((n) => [n.slug, n.id]));
    return (slug) => bySlug.get(slug);
  }

  private async writeBatch(rows: ImportRow[], result: ImportResult): Promise<void> {
    if (rows.length === 0) return;
    const { unique, duplicates } = mergeDuplicates(await this.withKeys(rows));
    const suppressed = await this.suppressedEmails(unique);
    const accepted = unique.filter((r) => !suppressed.has(r.key));
    result.skipped += unique.length - accepted.length;
    result.updated += duplicates;
    if (accepted.length === 0) return;
    await this.db.transaction(async (em) => {
      const readers = await this.upsertSubscribers(em, accepted);
      for (const r of readers.values()) {
        if (r.inserted) result.imported++;
        else result.updated++;
      }
      const changed = await this.upsertSubscriptions(em, accepted, readers);
      await this.recordImportEvents(em, accepted, readers, changed);
    });
  }

  /**
   * Each row's key as PostgreSQL lower-cases it, the way the unique index on
   * lower(email) does, so rows and upserted readers always match up.
   */
  private async withKeys(rows: ImportRow[]): Promise<KeyedRow[]> {
    const keys: Array<{ key: string }> = await this.db.query(
      `SELECT lower(e) AS key FROM unnest($1::text[]) WITH ORDINALITY AS t(e, n) ORDER BY n`,
      [rows.map((r) => r.email)],
    );
    return rows.map((r, i) => ({ ...r, key: keys[i].key }));
  }

  /** Keys of the batch's addresses on the suppression list, under any configured secret. */
  private async suppressedEmails(rows: KeyedRow[]): Promise<Set<string>> {
    const hashToEmail = new Map<string, string>();
    for (const r of rows) for (const h of this.suppression.hashesOf(r.email)) hashToEmail.set(h, r.key);
    const found: Array<{ email_hash: string }> = await this.db.query(
      `SELECT email_hash FROM suppressions WHERE email_hash = ANY($1::text[])`,
      [[...hashToEmail.keys()]],
    );
    return new Set(found.map((f) => hashToEmail.get(f.email_hash)!));
  }

  /** Creates new readers and finds known ones (a known name is kept). Keyed by lower-cased email. */
  private async upsertSubscribers(
    em: EntityManager,
    rows: KeyedRow[],
  ): Promise<Map<string, { id: string; inserted: boolean }>> {
    const found: Array<{ id: string; key: string; inserted: boolean }> = await em.query(
      `INSERT INTO subscribers (email, name)
       SELECT r.email, r.name FROM jsonb_to_recordset($1::jsonb) AS r(email text, name text)
       ON CONFLICT ((lower(email))) DO UPDATE
         SET name = COALESCE(subscribers.name, EXCLUDED.name), updated_at = now()
       RETURNING id, lower(email) AS key, (xmax = 0) AS inserted`,
      [JSON.stringify(rows.map((r) => ({ email: r.email, name: r.name })))],
    );
    return new Map(found.map((f) => [f.key, { id: f.id, inserted: f.inserted }]));
  }

  /**
   * New subscriptions start active (consent was given elsewhere); pending ones
   * become active. An unsubscription made here after the imported consent wins:
   * it is left as it is. Returns "subscriberId newsletterId" of every change.
   */
  private async upsertSubscriptions(
    em: EntityManager,
    rows: KeyedRow[],
    readers: Map<string, { id: string }>,
  ): Promise<Set<string>> {
    const pairs = rows.flatMap((r) =>
      r.newsletterIds.map((newsletterId) => ({
        subscriber_id: readers.get(r.key)!.id,
        newsletter_id: newsletterId,
        consented_at: r.consentedAt.toISOString(),
      })),
    );
    const changed: Array<{ subscriber_id: string; newsletter_id: string }> = await em.query(
      `INSERT INTO subscriptions (subscriber_id, newsletter_id, status, confirmed_at)
       SELECT r.subscriber_id, r.newsletter_id, 'active', r.consented_at
       FROM jsonb_to_recordset($1::jsonb) AS r(subscriber_id uuid, newsletter_id uuid, consented_at timestamptz)
       ON CONFLICT (subscriber_id, newsletter_id) DO UPDATE
         SET status = 'active', confirmed_at = EXCLUDED.confirmed_at, unsubscribed_at = NULL, updated_at = now()
         WHERE subscriptions.status = 'pending'
            OR (subscriptions.status = 'unsubscribed' AND subscriptions.unsubscribed_at < EXCLUDED.confirmed_at)
       RETURNING subscriber_id, newsletter_id`,
      [JSON.stringify(pairs)],
    );
    return new Set(changed.map((c) => `${c.subscriber_id} ${c.newsletter_id}`));
  }

  private async recordImportEvents(
    em: EntityManager,
    rows: KeyedRow[],
    readers: Map<string, { id: string }>,
    changed: Set<string>,
  ): Promise<void> {
    const slugs: Array<{ id: string; slug: string }> = await em.query(`SELECT id, slug FROM newsletters`);
    const slugOf = new Map(slugs.map((s) => [s.id, s.slug]));
    const events = rows.flatMap((r) => {
      const subscriberId = readers.get(r.key)!.id;
      const newsletters = r.newsletterIds
        .filter((n) => changed.has(`${subscriberId} ${n}`))
        .map((n) => slugOf.get(n)!)
        .sort();
      if (newsletters.length === 0) return [];
      const details = { consentedAt: r.consentedAt.toISOString(), consentSource: r.consentSource, line: r.line };
      return [{ subscriber_id: subscriberId, newsletters, source: r.consentSource, details }];
    });
    if (events.length === 0) return;
    await em.query(
      `INSERT INTO consent_events (subscriber_id, action, newsletters, source, details)
       SELECT r.subscriber_id, 'import', r.newsletters, r.source, r.details
       FROM jsonb_to_recordset($1::jsonb) AS r(subscriber_id uuid, newsletters text[], source text, details jsonb)`,
      [JSON.stringify(events)],
    );
  }
}

/**
 * One row per address within a batch (a multi-row upsert may not touch a row
 * twice): later duplicates add their newsletters to the first and count as updates.
 */
function mergeDuplicates(rows: KeyedRow[]): { unique: KeyedRow[]; duplicates: number } {
  const byEmail = new Map<string, KeyedRow>();
  for (const r of rows) {
    const first = byEmail.get(r.key);
    if (!first) byEmail.set(r.key, { ...r, newsletterIds: [...r.newsletterIds] });
    else first.newsletterIds = [...new Set([...first.newsletterIds, ...r.newsletterIds])];
  }
  return { unique: [...byEmail.values()], duplicates: rows.length - byEmail.size };
}
