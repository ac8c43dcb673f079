import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { isUuid, maskEmail } from '@app/common';
import { Newsletter, Subscriber, Subscription, SubscriptionStatus } from '@app/database';
import { JobQueue, jobId } from '@app/queues';
import { ConsentLedger, ReaderRequestMeta } from '../consent/consent-ledger';
import { consentText } from '../consent/consent-text';
import { PRIVACY_NOTICE } from '../consent/privacy-notice';
import { ReaderNotFoundError, UnknownNewsletterError } from '../errors';
import { ConfirmationQueue } from '../mails/confirmation-job';
import { ActiveNewsletterCache } from '../newsletters/active-newsletter-cache';
import { NewslettersService } from '../newsletters/newsletters.service';
import { toStoredEmail } from '../readers/reader-input';
import { SuppressionService } from '../suppression/suppression.service';
import { ALL_NEWSLETTERS, TokenService } from '../tokens/token.service';
import { SignUpWriteResult } from './sign-up.statement';
import { SignUpWriter } from './sign-up-writer';

export { SIGN_UP_RETRY_WINDOW_MS } from './sign-up.statement';

/** The consent text a reader was shown: version and fingerprint, vouched for by the signed form token. */
export interface ShownConsentRef {
  version: string;
  sha256: string;
}

export interface SubscribeRequest {
  email: string;
  name: string | null;
  /** Newsletter slugs. */
  newsletters: string[];
  /** What the hosted form showed; null for API posts, which are recorded against the text naming the newsletters. */
  shownConsent: ShownConsentRef | null;
  /** Where the sign-up happened: "page", "embed:<slug>", or the poster's own label. */
  source: string;
  details?: Record<string, unknown>;
  meta: ReaderRequestMeta;
}

/**
 * pending_confirmation: a confirmation mail is on its way (or was sent this hour);
 * already_active: every requested newsletter was already confirmed;
 * suppressed: the address is on the do-not-mail list, nothing was stored.
 * Readers are never told which: the HTTP answer is the same.
 */
export type SubscribeOutcome = 'pending_confirmation' | 'already_active' | 'suppressed';

export type UnsubscribeScope = 'newsletter' | 'all';

export interface ReaderNewsletterState {
  newsletter: Newsletter;
  status: SubscriptionStatus | null;
}

export interface PreferencesView {
  subscriberId: string;
  email: string;
  name: string | null;
  newsletters: ReaderNewsletterState[];
}

/*
 * UPDATE/DELETE ... RETURNING statements are wrapped in a CTE and read with a
 * SELECT: the TypeORM driver answers a bare UPDATE or DELETE with [rows, count].
 */

/**
 * A reader's subscriptions: sign-up (double opt-in), confirmation, unsubscription
 * and preferences. Every change and its consent event are written in one
 * transaction; mails are queued after the commit, so a job never sees a half-write.
 */
@Injectable()
export class SubscriptionService {
  private readonly logger = new Logger(SubscriptionService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly signUps: SignUpWriter,
    private readonly newsletters: NewslettersService,
    private readonly catalog: ActiveNewsletterCache,
    private readonly ledger: ConsentLedger,
    private readonly suppression: SuppressionService,
    private readonly tokens: TokenService,
    private readonly jobs: JobQueue,
    private readonly confirmations: ConfirmationQueue,
  ) {}

  /**
   * Records the request and queues a confirmation mail. Never downgrades an active
   * subscription; an unsubscribed one becomes pending again. Throws UnknownNewsletterError.
   */
  async subscribe(request: SubscribeRequest): Promise<SubscribeOutcome> {
    const email = toStoredEmail(request.email);
    if (!email) throw new Error('subscribe() needs a validated email address');
    let written = await this.writeSignUp(email, request);
    // A cached newsletter changed under us (renamed, deactivated): look again, once.
    if (written.outcome === 'stale') {
      this.catalog.invalidate();
      written = await this.writeSignUp(email, request);
    }
    if (written.outcome === 'stale') throw new Error('newsletters keep changing during a sign-up; try again');
    if (written.outcome === 'suppressed') {
      this.logger.log(`sign-up for suppressed address ${maskEmail(email)} ignored`);
      return 'suppressed';
    }
    const { subscriberId, pendingIds } = written;
    if (pendingIds.length === 0) return 'already_active';
    // One confirmation per reader per hour, whatever is posted: the send claims its slot in the database.
    // Should Redis fail here, the rows stay and the maintenance requeue sends it later.
    await this.confirmations.request({ subscriberId, newsletterIds: pendingIds });
    return 'pending_confirmation';
  }

  /** Resolves the newsletters (UnknownNewsletterError) and writes the sign-up (one statement with those arriving together). */
  private async writeSignUp(email: string, request: SubscribeRequest): Promise<SignUpWriteResult> {
    const chosen = await this.catalog.resolve(request.newsletters);
    const consent = request.shownConsent ?? consentText(chosen.map((n) => n.name));
    return this.signUps.write({
      email,
      name: request.name,
      newsletters: chosen,
      suppressionHashes: this.suppression.hashesOf(email),
      consentColumns: this.ledger.columnsOf({
        action: 'subscribe',
        newsletters: chosen.map((n) => n.slug),
        consentVersion: consent.version,
        consentTextSha256: consent.sha256,
        source: request.source,
        meta: request.meta,
        details: { ...request.details, privacyNoticeVersion: PRIVACY_NOTICE.version },
      }),
    });
  }

  /** What a confirm link would do, without doing it (GET /confirm). */
  async confirmationView(token: string): Promise<{ pending: Newsletter[]; active: Newsletter[] }> {
    const { subscriberId } = this.tokens.verify(token, 'confirm');
    await this.liveSubscriber(subscriberId);
    const states = await this.statesOf(subscriberId);
    return {
      pending: states.filter((s) => s.status === 'pending').map((s) => s.newsletter),
      active: states.filter((s) => s.status === 'active').map((s) => s.newsletter),
    };
  }

  /**
   * Activates every pending subscription of the reader the token names, records
   * the confirmation and queues a welcome mail. Idempotent: a second call changes nothing.
   */
  async confirm(
    token: string,
    source: string,
    meta: ReaderRequestMeta,
  ): Promise<{ subscriberId: string; activated: Newsletter[]; active: Newsletter[] }> {
    const { subscriberId } = this.tokens.verify(token, 'confirm');
    await this.liveSubscriber(subscriberId);
    const { activatedIds, eventId } = await this.db.transaction(async (em) => {
      const rows: Array<{ newsletter_id: string }> = await em.query(
        `WITH confirmed AS (
           UPDATE subscriptions SET status = 'active', confirmed_at = now(), updated_at = now()
           WHERE subscriber_id = $1 AND status = 'pending'
           RETURNING newsletter_id)
         SELECT newsletter_id FROM confirmed`,
        [subscriberId],
      );
      if (rows.length === 0) return { activatedIds: [] as string[], eventId: null };
      const activatedIds = rows.map((r) => r.newsletter_id);
      const signUp = await this.ledger.latest(em, subscriberId, 'subscribe');
      const eventId = await this.ledger.record(em, {
        subscriberId,
        action: 'confirm',
        newsletters: await this.slugsOf(em, activatedIds),
        consentVersion: signUp?.consentVersion ?? null,
        consentTextSha256: signUp?.consentTextSha256 ?? null,
        source,
        meta,
        details: signUp ? { confirms: signUp.id } : null,
      });
      return { activatedIds, eventId };
    });
    if (eventId) {
      await this.jobs.add(
        'send-welcome',
        { subscriberId, newsletterIds: activatedIds },
        { jobId: jobId('welcome', subscriberId, eventId) },
      );
    }
    const states = await this.statesOf(subscriberId);
    return {
      subscriberId,
      activated: states.filter((s) => activatedIds.includes(s.newsletter.id)).map((s) => s.newsletter),
      active: states.filter((s) => s.status === 'active').map((s) => s.newsletter),
    };
  }

  /** What an unsubscribe link offers, without changing anything (GET /unsubscribe). */
  async unsubscribeView(
    token: string,
  ): Promise<{ subscriberId: string; newsletter: Newsletter | null; subscribed: Newsletter[] }> {
    const claims = this.tokens.verify(token, 'unsubscribe');
    const states = await this.statesOf(claims.subscriberId);
    return {
      subscriberId: claims.subscriberId,
      newsletter: await this.tokenNewsletter(claims.newsletterId),
      subscribed: states.filter((s) => s.status === 'active' || s.status === 'pending').map((s) => s.newsletter),
    };
  }

  /**
   * Ends the subscriptions the token and scope name, at once. `scope` "newsletter"
   * keeps to the token's newsletter (a forwarded mail can't unsubscribe the reader
   * from everything unless the reader chooses so). Idempotent; an erased or purged
   * reader is simply not subscribed.
   */
  async unsubscribe(
    token: string,
    scope: UnsubscribeScope,
    source: string,
    meta: ReaderRequestMeta,
  ): Promise<{ subscriberId: string; removed: Newsletter[]; newsletter: Newsletter | null }> {
    const claims = this.tokens.verify(token, 'unsubscribe');
    const { subscriberId } = claims;
    const only = scope === 'newsletter' && claims.newsletterId !== ALL_NEWSLETTERS ? claims.newsletterId : null;
    const newsletter = await this.tokenNewsletter(claims.newsletterId);
    if (only && !newsletter) return { subscriberId, removed: [], newsletter };
    const { removedIds, eventId } = await this.db.transaction(async (em) => {
      const rows: Array<{ newsletter_id: string }> = await em.query(
        `WITH ended AS (
           UPDATE subscriptions SET status = 'unsubscribed', unsubscribed_at = now(), updated_at = now()
           WHERE subscriber_id = $1 AND status <> 'unsubscribed' AND ($2::uuid IS NULL OR newsletter_id = $2::uuid)
           RETURNING newsletter_id)
         SELECT newsletter_id FROM ended`,
        [subscriberId, only],
      );
      if (rows.length === 0) return { removedIds: [] as string[], eventId: null };
      const removedIds = rows.map((r) => r.newsletter_id);
      const eventId = await this.ledger.record(em, {
        subscriberId,
        action: 'unsubscribe',
        newsletters: await this.slugsOf(em, removedIds),
        source,
        meta,
        details: { scope: only ? 'newsletter' : 'all' },
      });
      return { removedIds, eventId };
    });
    if (eventId) {
      await this.jobs.add(
        'send-unsubscribed',
        { subscriberId, newsletterId: only },
        { jobId: jobId('unsubscribed', subscriberId, eventId) },
      );
    }
    return { subscriberId, removed: await this.newsletters.findByIds(removedIds), newsletter };
  }

  /** The preference centre's content for the reader a preferences token names. */
  async preferences(token: string): Promise<PreferencesView> {
    const { subscriberId } = this.tokens.verify(token, 'preferences');
    return this.preferencesOf(subscriberId);
  }

  /**
   * Sets the reader's newsletters to exactly `wanted` (slugs): ticked ones become
   * active (the link came from the reader's own mailbox, so the address is proven),
   * unticked ones are unsubscribed. One `preferences` ledger event when anything changes.
   */
  async updatePreferences(
    token: string,
    wanted: string[],
    shownConsent: ShownConsentRef,
    meta: ReaderRequestMeta,
  ): Promise<{ view: PreferencesView; added: string[]; removed: string[] }> {
    const { subscriberId } = this.tokens.verify(token, 'preferences');
    await this.liveSubscriber(subscriberId);
    const wantedNewsletters = await this.activeNewsletters(wanted);
    const wantedIds = wantedNewsletters.map((n) => n.id);
    const { added, removed } = await this.db.transaction(async (em) => {
      const addedRows: Array<{ newsletter_id: string }> = await em.query(
        `INSERT INTO subscriptions (subscriber_id, newsletter_id, status, confirmed_at)
         SELECT $1, nid, 'active', now() FROM unnest($2::uuid[]) AS nid
         ON CONFLICT (subscriber_id, newsletter_id) DO UPDATE
           SET status = 'active', confirmed_at = now(), unsubscribed_at = NULL, updated_at = now()
           WHERE subscriptions.status <> 'active'
         RETURNING newsletter_id`,
        [subscriberId, wantedIds],
      );
      const removedRows: Array<{ newsletter_id: string }> = await em.query(
        `WITH ended AS (
           UPDATE subscriptions SET status = 'unsubscribed', unsubscribed_at = now(), updated_at = now()
           WHERE subscriber_id = $1 AND status <> 'unsubscribed' AND NOT (newsletter_id = ANY($2::uuid[]))
           RETURNING newsletter_id)
         SELECT newsletter_id FROM ended`,
        [subscriberId, wantedIds],
      );
      const added = await this.slugsOf(
        em,
        addedRows.map((r) => r.newsletter_id),
      );
      const removed = await this.slugsOf(
        em,
        removedRows.map((r) => r.newsletter_id),
      );
      if (added.length > 0 || removed.length > 0) {
        await this.ledger.record(em, {
          subscriberId,
          action: 'preferences',
          newsletters: wantedNewsletters.map((n) => n.slug),
          consentVersion: shownConsent.version,
          consentTextSha256: shownConsent.sha256,
          source: 'preferences-page',
          meta,
          details: { added, removed },
        });
      }
      return { added, removed };
    });
    return { view: await this.preferencesOf(subscriberId), added, removed };
  }

  private async preferencesOf(subscriberId: string): Promise<PreferencesView> {
    const subscriber = await this.liveSubscriber(subscriberId);
    const states = await this.statesOf(subscriberId);
    const byId = new Map(states.map((s) => [s.newsletter.id, s.status]));
    const offered = await this.newsletters.listActive();
    // Inactive newsletters the reader still receives stay visible so they can be unticked.
    const extra = states.filter((s) => !s.newsletter.active && s.status === 'active').map((s) => s.newsletter);
    return {
      subscriberId,
      email: subscriber.email!,
      name: subscriber.name,
      newsletters: [...offered, ...extra].map((newsletter) => ({
        newsletter,
        status: byId.get(newsletter.id) ?? null,
      })),
    };
  }

  /** Resolves slugs to active newsletters (none is fine); throws UnknownNewsletterError naming any that are not. */
  private async activeNewsletters(slugs: string[]): Promise<Newsletter[]> {
    const unique = [...new Set(slugs)];
    const found = (await this.newsletters.findBySlugs(unique)).filter((n) => n.active);
    const missing = unique.filter((slug) => !found.some((n) => n.slug === slug));
    if (missing.length > 0) throw new UnknownNewsletterError(missing);
    return unique.map((slug) => found.find((n) => n.slug === slug)!);
  }

  private async liveSubscriber(subscriberId: string): Promise<Subscriber> {
    const subscriber = await this.db.getRepository(Subscriber).findOne({ where: { id: subscriberId } });
    if (!subscriber || subscriber.status !== 'active' || !subscriber.email) throw new ReaderNotFoundError();
    return subscriber;
  }

  private async statesOf(subscriberId: string): Promise<ReaderNewsletterState[]> {
    const subscriptions = await this.db.getRepository(Subscription).find({ where: { subscriberId } });
    const newsletters = await this.newsletters.findByIds(subscriptions.map((s) => s.newsletterId));
    return subscriptions
      .map((s) => ({ newsletter: newsletters.find((n) => n.id === s.newsletterId)!, status: s.status }))
      .filter((s) => s.newsletter)
      .sort((a, b) => a.newsletter.name.localeCompare(b.newsletter.name));
  }

  private async tokenNewsletter(newsletterId: string): Promise<Newsletter | null> {
    if (newsletterId === ALL_NEWSLETTERS || !isUuid(newsletterId)) return null;
    return (await this.newsletters.findByIds([newsletterId]))[0] ?? null;
  }

  private async slugsOf(em: EntityManager, ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await em.getRepository(Newsletter).find({ where: { id: In(ids) }, order: { slug: 'ASC' } });
    return rows.map((n) => n.slug);
  }
}
