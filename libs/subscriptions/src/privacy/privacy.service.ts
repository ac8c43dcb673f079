import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CLOCK, Clock, isUuid, maskEmail, normaliseEmail } from '@app/common';
import { jobId, JobQueue } from '@app/queues';
import { consentText, isKnownConsentVersion } from '../consent/consent-text';
import { SuppressionService, SuppressionStatus } from '../suppression/suppression.service';

export class SubscriberNotFoundError extends Error {
  constructor() {
    super('no such subscriber');
  }
}

/** Who asked for an erasure; recorded in the ledger (never who the reader was). */
export type ErasureOrigin = 'admin' | 'cli';

export interface ErasureResult {
  subscriberId: string;
  alreadyErased: boolean;
  /** Subscriptions that were still pending or active and are now unsubscribed. */
  unsubscribed: number;
}

/** Everything held about one reader (GDPR art. 15 access and art. 20 portability). */
export interface SubscriberExport {
  exportedAt: string;
  subscriber: {
    id: string;
    email: string | null;
    name: string | null;
    status: string;
    createdAt: string;
    updatedAt: string;
    erasedAt: string | null;
    lastConfirmationSentAt: string | null;
  };
  subscriptions: Array<{
    newsletter: string;
    newsletterName: string;
    status: string;
    createdAt: string;
    confirmedAt: string | null;
    unsubscribedAt: string | null;
  }>;
  consentEvents: ConsentEventView[];
  deliveries: Array<{
    issueId: string;
    newsletter: string;
    subject: string;
    status: string;
    attempts: number;
    messageId: string | null;
    error: string | null;
    lastEvent: string | null;
    sentAt: string | null;
    updatedAt: string;
  }>;
  suppression: { suppressed: boolean; reason?: string; since?: string };
  providerEvents: Array<{
    type: string;
    messageId: string | null;
    reason: string | null;
    at: string;
    receivedAt: string;
  }>;
}

export interface ConsentEventView {
  action: string;
  newsletters: string[];
  consentVersion: string | null;
  consentTextSha256: string | null;
  ip: string | null;
  userAgent: string | null;
  source: string | null;
  details: Record<string, unknown> | null;
  at: string;
}

/** Proof of consent for one active subscription (GDPR art. 7(1): the controller must be able to show it). */
export interface ConsentProof {
  newsletter: string;
  newsletterName: string;
  status: 'active';
  confirmedAt: string | null;
  /** The event where the reader gave consent: when, where, and which consent text. */
  consent: ConsentEventView | null;
  /** The exact wording the reader agreed to, when it can be rebuilt from its version and matches the recorded sha256. */
  consentText: string | null;
  /** How the address was confirmed: double opt-in click, a preference change by an already confirmed reader, or an import with its provenance. */
  confirmation: { method: 'double-opt-in' | 'preferences' | 'import'; event: ConsentEventView } | null;
}

// Addresses quoted inside free text (SMTP replies, sources); POSIX classes because this runs in PostgreSQL.
const ADDRESS_PATTERN = `[^[:space:]<>()[\\],;:@]+@[^[:space:]<>()[\\],;:@]+`;

interface ConsentRow {
  id: string;
  action: string;
  newsletters: string[];
  consent_version: string | null;
  consent_text_sha256: string | null;
  ip: string | null;
  user_agent: string | null;
  source: string | null;
  details: Record<string, unknown> | null;
  at: Date;
}

/** Privacy rights: access/portability (export), erasure, and proof of consent. */
@Injectable()
export class PrivacyService {
  private readonly logger = new Logger(PrivacyService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly suppression: SuppressionService,
    private readonly jobs: JobQueue,
    @Optional() @Inject(CLOCK) private readonly now: Clock = Date.now,
  ) {}

  async findIdByEmail(email: string): Promise<string | null> {
    const rows: Array<{ id: string }> = await this.db.query(`SELECT id FROM subscribers WHERE lower(email) = $1`, [
      normaliseEmail(email),
    ]);
    return rows[0]?.id ?? null;
  }

  async export(subscriberId: string): Promise<SubscriberExport> {
    const subscriber = await this.subscriberRow(this.db.manager, subscriberId);
    const [subscriptions, consent, deliveries, suppression, events] = await Promise.all([
      this.db.query(
        `SELECT n.slug, n.name, s.status, s.created_at, s.confirmed_at, s.unsubscribed_at
         FROM subscriptions s JOIN newsletters n ON n.id = s.newsletter_id
         WHERE s.subscriber_id = $1 ORDER BY n.slug`,
        [subscriberId],
      ),
      this.consentRows(subscriberId),
      this.db.query(
        `SELECT d.issue_id, n.slug, i.subject, d.status, d.attempts, d.message_id, d.error, d.last_event,
                d.sent_at, d.updated_at
         FROM deliveries d JOIN issues i ON i.id = d.issue_id JOIN newsletters n ON n.id = i.newsletter_id
         WHERE d.subscriber_id = $1 ORDER BY d.id`,
        [subscriberId],
      ),
      subscriber.email ? this.suppression.statusOf(subscriber.email) : Promise.resolve(null),
      this.db.query(
        `SELECT type, message_id, reason, at, received_at FROM email_events
         WHERE email_hash = ANY($1::text[])
            OR delivery_id IN (SELECT id FROM deliveries WHERE subscriber_id = $2)
         ORDER BY at, id`,
        [subscriber.email ? this.suppression.hashesOf(subscriber.email) : [], subscriberId],
      ),
    ]);
    return {
      exportedAt: new Date(this.now()).toISOString(),
      subscriber: {
        id: subscriber.id,
        email: subscriber.email,
        name: subscriber.name,
        status: subscriber.status,
        createdAt: iso(subscriber.created_at)!,
        updatedAt: iso(subscriber.updated_at)!,
        erasedAt: iso(subscriber.erased_at),
        lastConfirmationSentAt: iso(subscriber.last_confirmation_sent_at),
      },
      subscriptions: subscriptions.map((s: Record<string, never>) => ({
        newsletter: s.slug,
        newsletterName: s.name,
        status: s.status,
        createdAt: iso(s.created_at)!,
        confirmedAt: iso(s.confirmed_at),
        unsubscribedAt: iso(s.unsubscribed_at),
      })),
      consentEvents: consent.map(consentView),
      deliveries: deliveries.map((d: Record<string, never>) => ({
        issueId: d.issue_id,
        newsletter: d.slug,
        subject: d.subject,
        status: d.status,
        attempts: d.attempts,
        messageId: d.message_id,
        error: d.error,
        lastEvent: d.last_event,
        sentAt: iso(d.sent_at),
        updatedAt: iso(d.updated_at)!,
      })),
      suppression: suppressionView(suppression),
      providerEvents: events.map((e: Record<string, never>) => ({
        type: e.type,
        messageId: e.message_id,
        reason: e.reason,
        at: iso(e.at)!,
        receivedAt: iso(e.received_at)!,
      })),
    };
  }

  /**
   * Erasure (GDPR art. 17): removes the reader's personal data everywhere, keeps a keyed
   * hash on the suppression list (so an import or a form cannot silently bring the address
   * back) and keeps anonymous rows so issue counts stay true. All or nothing.
   */
  async erase(subscriberId: string, origin: ErasureOrigin): Promise<ErasureResult> {
    const result = await this.db.transaction(async (tx) => {
      const subscriber = await this.subscriberRow(tx, subscriberId, true);
      if (subscriber.status === 'erased' || !subscriber.email) {
        return { subscriberId, alreadyErased: true, unsubscribed: 0 };
      }
      await this.suppressErased(tx, subscriber.email);
      const unsubscribed = await this.unsubscribeEverything(tx, subscriberId);
      await this.scrubLedgerAndDeliveries(tx, subscriberId, subscriber.email);
      await tx.query(
        `INSERT INTO consent_events (subscriber_id, action, newsletters, source, at)
         SELECT $1, 'erase', coalesce(array_agg(n.slug ORDER BY n.slug), '{}'), $2, $3
         FROM subscriptions s JOIN newsletters n ON n.id = s.newsletter_id WHERE s.subscriber_id = $1`,
        [subscriberId, origin, new Date(this.now())],
      );
      await tx.query(
        `UPDATE subscribers SET email = NULL, name = NULL, status = 'erased', erased_at = $2,
                last_confirmation_sent_at = NULL, updated_at = $2
         WHERE id = $1`,
        [subscriberId, new Date(this.now())],
      );
      this.logger.log(`erased subscriber ${subscriberId} (${maskEmail(subscriber.email)}) on ${origin} request`);
      return { subscriberId, alreadyErased: false, unsubscribed };
    });
    return result;
  }

  /** For every active subscription: where and when consent was given, and how it was confirmed. */
  async consentProof(subscriberId: string): Promise<{ subscriberId: string; proofs: ConsentProof[] }> {
    await this.subscriberRow(this.db.manager, subscriberId);
    const [active, events] = await Promise.all([
      this.db.query(
        `SELECT n.slug, n.name, s.confirmed_at FROM subscriptions s JOIN newsletters n ON n.id = s.newsletter_id
         WHERE s.subscriber_id = $1 AND s.status = 'active' ORDER BY n.slug`,
        [subscriberId],
      ),
      this.consentRows(subscriberId),
    ]);
    const names = await this.newsletterNames(events.flatMap((e) => e.newsletters));
    return {
      subscriberId,
      proofs: active.map((s: { slug: string; name: string; confirmed_at: Date | null }) => {
        const proof = proofFor(s.slug, s.name, s.confirmed_at, events);
        return { ...proof, consentText: proof.consent ? wordingOf(proof.consent, s.name, names) : null };
      }),
    };
  }

  /**
   * A reader asked for their data from the preference centre: email them a link to it
   * (never the data itself, and never to anyone but the address on file).
   * One request per reader per hour is enough; repeats are absorbed by the job id.
   */
  async requestSelfExport(subscriberId: string): Promise<void> {
    const subscriber = await this.subscriberRow(this.db.manager, subscriberId);
    if (subscriber.status === 'erased' || !subscriber.email) throw new SubscriberNotFoundError();
    const hour = Math.floor(this.now() / 3_600_000);
    await this.jobs.add('send-data-export', { subscriberId }, { jobId: jobId('data-export', subscriberId, hour) });
  }

  private async subscriberRow(
    manager: EntityManager,
    subscriberId: string,
    lock = false,
  ): Promise<{
    id: string;
    email: string | null;
    name: string | null;
    status: string;
    created_at: Date;
    updated_at: Date;
    erased_at: Date | null;
    last_confirmation_sent_at: Date | null;
  }> {
    if (!isUuid(subscriberId)) throw new SubscriberNotFoundError();
    const rows = await manager.query(`SELECT * FROM subscribers WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`, [
      subscriberId,
    ]);
    if (!rows.length) throw new SubscriberNotFoundError();
    return rows[0];
  }

  private async newsletterNames(slugs: string[]): Promise<Map<string, string>> {
    const rows: Array<{ slug: string; name: string }> = await this.db.query(
      `SELECT slug, name FROM newsletters WHERE slug = ANY($1::text[])`,
      [[...new Set(slugs)]],
    );
    return new Map(rows.map((r) => [r.slug, r.name]));
  }

  private consentRows(subscriberId: string): Promise<ConsentRow[]> {
    return this.db.query(
      `SELECT id::text AS id, action, newsletters, consent_version, consent_text_sha256, ip, user_agent, source, details, at
       FROM consent_events WHERE subscriber_id = $1 ORDER BY at, id`,
      [subscriberId],
    );
  }

  private async suppressErased(tx: EntityManager, email: string): Promise<void> {
    const hashes = this.suppression.hashesOf(email);
    const existing = await tx.query(`SELECT 1 FROM suppressions WHERE email_hash = ANY($1::text[])`, [hashes]);
    // An address already suppressed (bounce, complaint) stays suppressed under its first reason.
    if (existing.length) return;
    await tx.query(
      `INSERT INTO suppressions (email_hash, reason, detail) VALUES ($1, 'erased', NULL) ON CONFLICT (email_hash) DO NOTHING`,
      [this.suppression.hashOf(email)],
    );
  }

  private async unsubscribeEverything(tx: EntityManager, subscriberId: string): Promise<number> {
    const rows = await tx.query(
      `UPDATE subscriptions SET status = 'unsubscribed', unsubscribed_at = $2, updated_at = $2
       WHERE subscriber_id = $1 AND status <> 'unsubscribed' RETURNING id`,
      [subscriberId, new Date(this.now())],
    );
    return rowsOf(rows).length;
  }

  private async scrubLedgerAndDeliveries(tx: EntityManager, subscriberId: string, email: string): Promise<void> {
    // The ledger keeps what happened and when (anonymous), not who or from where.
    await tx.query(
      `UPDATE consent_events SET ip = NULL, user_agent = NULL, details = NULL,
              source = regexp_replace(source, $2, '[erased]', 'g')
       WHERE subscriber_id = $1`,
      [subscriberId, ADDRESS_PATTERN],
    );
    // Delivery rows stay (issue counts), but SMTP error text often quotes the address.
    await tx.query(
      `UPDATE deliveries SET error = regexp_replace(error, $2, '[erased]', 'g')
       WHERE subscriber_id = $1 AND error IS NOT NULL`,
      [subscriberId, ADDRESS_PATTERN],
    );
    await tx.query(
      `DELETE FROM email_events
       WHERE email_hash = ANY($1::text[]) OR delivery_id IN (SELECT id FROM deliveries WHERE subscriber_id = $2)`,
      [this.suppression.hashesOf(email), subscriberId],
    );
  }
}

function proofFor(slug: string, name: string, confirmedAt: Date | null, events: ConsentRow[]): ConsentProof {
  const covering = events.filter((e) => e.newsletters.includes(slug));
  const activating = lastOf(covering, (e) => activates(e, slug));
  let consent: ConsentRow | undefined;
  let confirmation: ConsentProof['confirmation'] = null;
  if (activating?.action === 'confirm') {
    // The confirm event names the sign-up it completes; older ledgers fall back to the latest sign-up before it.
    const confirms = activating.details?.confirms;
    consent =
      covering.find((e) => e.action === 'subscribe' && confirms !== undefined && e.id === String(confirms)) ??
      lastOf(covering, (e) => e.action === 'subscribe' && e.at <= activating.at);
    confirmation = { method: 'double-opt-in', event: consentView(activating) };
  } else if (activating?.action === 'import') {
    consent = activating;
    confirmation = { method: 'import', event: consentView(activating) };
  } else if (activating) {
    // Ticked in the preference centre: the link that opened it was mailed to the already confirmed address.
    consent = activating;
    const firstConfirm = events.find((e) => e.action === 'confirm' || e.action === 'import');
    confirmation = { method: 'preferences', event: consentView(firstConfirm ?? activating) };
  }
  return {
    newsletter: slug,
    newsletterName: name,
    status: 'active',
    confirmedAt: iso(confirmedAt),
    consent: consent ? consentView(consent) : null,
    consentText: null,
    confirmation,
  };
}

/** Events that can have made a subscription active: a confirmation, an import, or a preference-centre tick adding it. */
function activates(e: ConsentRow, slug: string): boolean {
  if (e.action === 'confirm' || e.action === 'import') return true;
  if (e.action !== 'preferences') return false;
  const added = e.details?.added;
  return !Array.isArray(added) || added.includes(slug);
}

/**
 * Rebuilds the consent wording from its version: the hosted page's text, the text naming
 * this newsletter (embedded box), or naming all the event's newsletters (API sign-ups).
 * Only returned when its sha256 is the one recorded, so it is exactly what was shown.
 */
function wordingOf(consent: ConsentEventView, newsletterName: string, names: Map<string, string>): string | null {
  const { consentVersion: version, consentTextSha256: sha256 } = consent;
  if (!version || !sha256 || !isKnownConsentVersion(version)) return null;
  const eventNames = consent.newsletters.map((slug) => names.get(slug)).filter((n): n is string => Boolean(n));
  for (const shown of [null, [newsletterName], eventNames]) {
    const candidate = consentText(shown, version);
    if (candidate.sha256 === sha256) return candidate.text;
  }
  return null;
}

function lastOf<T>(items: T[], predicate: (item: T) => boolean): T | undefined {
  for (let i = items.length - 1; i >= 0; i--) if (predicate(items[i])) return items[i];
  return undefined;
}

function consentView(e: ConsentRow): ConsentEventView {
  return {
    action: e.action,
    newsletters: e.newsletters,
    consentVersion: e.consent_version,
    consentTextSha256: e.consent_text_sha256,
    ip: e.ip,
    userAgent: e.user_agent,
    source: e.source,
    details: e.details,
    at: iso(e.at)!,
  };
}

function suppressionView(status: SuppressionStatus | null): SubscriberExport['suppression'] {
  if (!status?.suppressed) return { suppressed: false };
  return { suppressed: true, reason: status.reason, since: status.since.toISOString() };
}

function iso(value: Date | string | null | undefined): string | null {
  return value === null || value === undefined ? null : new Date(value).toISOString();
}

/** UPDATE ... RETURNING through query() answers [rows, count] on PostgreSQL. */
function rowsOf(result: unknown): unknown[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0];
  }
  return Array.isArray(result) ? result : [];
}
