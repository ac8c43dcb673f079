import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { maskEmail } from '@app/common';
import { Newsletter, Subscriber, SubscriptionStatus } from '@app/database';
import { MailHeaders, MailingList, MailRenderer, MailTransport, RenderedMail } from '@app/mail';
import type { ConfirmationRequest } from '@app/queues';
import { SuppressionService } from '../suppression/suppression.service';
import { ReaderLinks } from '../tokens/reader-links';

/** What a transactional send did; skips are normal outcomes (logged), not errors. */
export type TransactionalOutcome =
  | { status: 'sent'; messageId: string }
  | { status: 'skipped'; reason: 'gone' | 'suppressed' | 'nothing-to-send' | 'throttled' };

/** What a send-confirmations job did, reader by reader. */
export interface ConfirmationBatchOutcome {
  sent: number;
  skipped: number;
  /** Refused permanently (a 5xx for the address): not retried. */
  refused: number;
}

/** Confirmations of one batch sent at the same time (each is a few queries and one SMTP send). */
const CONFIRMATIONS_IN_PARALLEL = 4;

export interface TransactionalSendOptions {
  /**
   * Identity of this logical message (the job id): the Message-ID is derived from it,
   * so a retried job sends the same Message-ID. Without one, each call is a new message.
   */
  messageKey?: string;
}

type MailKind = 'confirm' | 'welcome' | 'unsubscribed' | 'data-export';

interface Reader {
  id: string;
  email: string;
  name: string | null;
}

interface ThrottleClaim {
  previous: string | null;
  claimed: string;
}

/**
 * The one-to-one mails to a reader: confirmation (double opt-in), welcome,
 * unsubscribed and data export. Each loads what it needs by id, skips readers who
 * are gone or suppressed, and sends with the List-Unsubscribe headers every message
 * to a subscriber carries. Templates are compiled once per variant per process.
 * Throws MailSendError (kind temporary or permanent) when the send fails.
 */
@Injectable()
export class TransactionalMailService {
  private readonly logger = new Logger(TransactionalMailService.name);
  private readonly siteHost: string;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'publicBaseUrl'>,
    private readonly suppression: SuppressionService,
    private readonly links: ReaderLinks,
    private readonly renderer: MailRenderer,
    private readonly headers: MailHeaders,
    private readonly transport: MailTransport,
  ) {
    this.siteHost = new URL(config.publicBaseUrl).host;
  }

  /**
   * The double opt-in mail for the reader's pending subscriptions among `newsletterIds`.
   * At most one per address per hour, enforced by an atomic claim in the database, so
   * API replicas and retries can't both send. Carries no reader-supplied text.
   */
  async sendConfirmation(
    subscriberId: string,
    newsletterIds: string[],
    options: TransactionalSendOptions = {},
  ): Promise<TransactionalOutcome> {
    const reader = await this.mailableReader(subscriberId, 'confirm');
    if (!reader.ok) return reader.outcome;
    const newsletters = await this.newslettersIn(subscriberId, newsletterIds, 'pending');
    if (newsletters.length === 0) return this.skip('confirm', reader.value, 'nothing-to-send');
    const claim = await this.claimConfirmationSlot(subscriberId);
    if (!claim) return this.skip('confirm', reader.value, 'throttled');
    const mail = await this.renderer.compile(
      'confirm',
      {
        newsletters: newsletters.map(({ name, description }) => ({ name, description })),
        whyReceiving: `Someone entered this address on a sign-up form at ${this.siteHost}. Nothing more will be sent unless the subscription is confirmed.`,
      },
      { subject: 'Please confirm your subscription' },
    );
    // The unsubscribe link of a confirmation mail means "everything": nothing is confirmed yet.
    const unsubscribeUrl = this.links.unsubscribeUrl(subscriberId, null);
    const rendered = mail.personalise({ confirmUrl: this.links.confirmUrl(subscriberId), unsubscribeUrl });
    try {
      return await this.deliver('confirm', reader.value, { list: null, unsubscribeUrl }, options, rendered);
    } catch (err) {
      // Give the slot back so the retry can send; a refused address keeps it (no hammering).
      if ((err as { kind?: string }).kind !== 'permanent') await this.releaseConfirmationSlot(subscriberId, claim);
      throw err;
    }
  }

  /**
   * The confirmations of a batch of sign-ups (one send-confirmations job), each sent as
   * sendConfirmation sends it, with a Message-ID of its own derived from `batchKey`. A
   * temporary failure does not hold up the others: it is thrown once every reader was
   * tried, so the job is retried, and the retry skips the readers already mailed (their
   * claimed slot answers "throttled"). An address refused permanently is logged, not retried.
   */
  async sendConfirmations(readers: ConfirmationRequest[], batchKey: string): Promise<ConfirmationBatchOutcome> {
    const outcome: ConfirmationBatchOutcome = { sent: 0, skipped: 0, refused: 0 };
    let retry: unknown = null;
    const sendOne = async ({ subscriberId, newsletterIds }: ConfirmationRequest) => {
      try {
        const result = await this.sendConfirmation(subscriberId, newsletterIds, {
          messageKey: `${batchKey}-${subscriberId}`,
        });
        outcome[result.status === 'sent' ? 'sent' : 'skipped']++;
      } catch (err) {
        if ((err as { kind?: string }).kind !== 'permanent') return void (retry ??= err);
        outcome.refused++;
        this.logger.warn(`confirmation for reader ${subscriberId} refused: ${(err as Error).message}`);
      }
    };
    for (let i = 0; i < readers.length; i += CONFIRMATIONS_IN_PARALLEL) {
      await Promise.all(readers.slice(i, i + CONFIRMATIONS_IN_PARALLEL).map(sendOne));
    }
    if (retry) throw retry;
    return outcome;
  }

  /** Welcome after a confirmation, for the newsletters among `newsletterIds` still active. */
  async sendWelcome(
    subscriberId: string,
    newsletterIds: string[],
    options: TransactionalSendOptions = {},
  ): Promise<TransactionalOutcome> {
    const reader = await this.mailableReader(subscriberId, 'welcome');
    if (!reader.ok) return reader.outcome;
    const newsletters = await this.newslettersIn(subscriberId, newsletterIds, 'active');
    if (newsletters.length === 0) return this.skip('welcome', reader.value, 'nothing-to-send');
    const list = newsletters.length === 1 ? listOf(newsletters[0]) : null;
    const mail = await this.renderer.compile(
      'welcome',
      {
        newsletters: newsletters.map(({ name, description }) => ({ name, description })),
        newsletterName: newsletters[0].name,
        whyReceiving: `You receive this email because you subscribed at ${this.siteHost} and confirmed your address.`,
      },
      { subject: newsletters.length === 1 ? 'Welcome to {{newsletterName}}' : 'Welcome to your newsletters' },
    );
    const name = reader.value.name?.trim();
    const unsubscribeUrl = this.links.unsubscribeUrl(subscriberId, list ? newsletters[0].id : null);
    const rendered = mail.personalise({
      greeting: name ? `Hi ${name},` : 'Hello,',
      unsubscribeUrl,
      preferencesUrl: this.links.preferencesUrl(subscriberId),
    });
    return this.deliver('welcome', reader.value, { list, unsubscribeUrl }, options, rendered);
  }

  /** Confirms an unsubscribe from one newsletter, or from everything when `newsletterId` is null. */
  async sendUnsubscribed(
    subscriberId: string,
    newsletterId: string | null,
    options: TransactionalSendOptions = {},
  ): Promise<TransactionalOutcome> {
    const reader = await this.mailableReader(subscriberId, 'unsubscribed');
    if (!reader.ok) return reader.outcome;
    const newsletter = newsletterId
      ? await this.db.getRepository(Newsletter).findOne({ where: { id: newsletterId } })
      : null;
    const mail = await this.renderer.compile(
      'unsubscribed',
      {
        newsletterName: newsletter?.name ?? null,
        subscribeUrl: `${this.config.publicBaseUrl}/`,
        whyReceiving: `You receive this one-off email because this address was unsubscribed at ${this.siteHost}.`,
      },
      { subject: newsletter ? `You have been unsubscribed from {{newsletterName}}` : 'You have been unsubscribed' },
    );
    // Already off this newsletter: a one-click unsubscribe from this mail can only mean "everything".
    const unsubscribeUrl = this.links.unsubscribeUrl(subscriberId, null);
    const rendered = mail.personalise({ unsubscribeUrl, preferencesUrl: this.links.preferencesUrl(subscriberId) });
    const list = newsletter ? listOf(newsletter) : null;
    return this.deliver('unsubscribed', reader.value, { list, unsubscribeUrl }, options, rendered);
  }

  /** The link to the reader's own data export (token-protected, 7 days). */
  async sendDataExport(subscriberId: string, options: TransactionalSendOptions = {}): Promise<TransactionalOutcome> {
    const reader = await this.mailableReader(subscriberId, 'data-export');
    if (!reader.ok) return reader.outcome;
    const mail = await this.renderer.compile(
      'data-export',
      { whyReceiving: `You receive this email because a copy of your data was requested at ${this.siteHost}.` },
      { subject: 'Your data export is ready' },
    );
    const unsubscribeUrl = this.links.unsubscribeUrl(subscriberId, null);
    const rendered = mail.personalise({
      exportUrl: this.links.exportUrl(subscriberId),
      unsubscribeUrl,
      preferencesUrl: this.links.preferencesUrl(subscriberId),
    });
    return this.deliver('data-export', reader.value, { list: null, unsubscribeUrl }, options, rendered);
  }

  private async deliver(
    kind: MailKind,
    reader: Reader,
    target: { list: MailingList | null; unsubscribeUrl: string },
    options: TransactionalSendOptions,
    { subject, html, text }: RenderedMail,
  ): Promise<TransactionalOutcome> {
    const messageId = this.headers.messageId(kind, reader.id, options.messageKey ?? randomUUID());
    await this.transport.send({
      // The transport validates the address and cleans the name; the confirmation names nobody.
      to: { address: reader.email, name: kind === 'confirm' ? undefined : (reader.name ?? undefined) },
      subject,
      html,
      text,
      messageId,
      // List-Unsubscribe is the same link as the footer's.
      headers: this.headers.forSubscriber(target.unsubscribeUrl, target.list),
    });
    this.logger.log(`${kind} mail sent to ${maskEmail(reader.email)} (${messageId})`);
    return { status: 'sent', messageId };
  }

  private async mailableReader(
    subscriberId: string,
    kind: MailKind,
  ): Promise<{ ok: true; value: Reader } | { ok: false; outcome: TransactionalOutcome }> {
    const subscriber = await this.db.getRepository(Subscriber).findOne({ where: { id: subscriberId } });
    if (!subscriber || subscriber.status === 'erased' || !subscriber.email) {
      this.logger.log(`${kind} mail skipped: subscriber ${subscriberId} is gone`);
      return { ok: false, outcome: { status: 'skipped', reason: 'gone' } };
    }
    const reader = { id: subscriber.id, email: subscriber.email, name: subscriber.name };
    if (await this.suppression.isSuppressed(subscriber.email)) {
      return { ok: false, outcome: this.skip(kind, reader, 'suppressed') };
    }
    return { ok: true, value: reader };
  }

  private skip(
    kind: MailKind,
    reader: Reader,
    reason: 'suppressed' | 'nothing-to-send' | 'throttled',
  ): TransactionalOutcome {
    this.logger.log(`${kind} mail to ${maskEmail(reader.email)} skipped: ${reason}`);
    return { status: 'skipped', reason };
  }

  /** The newsletters among `ids` where the reader's subscription has `status`, in name order. */
  private async newslettersIn(subscriberId: string, ids: string[], status: SubscriptionStatus): Promise<Newsletter[]> {
    if (ids.length === 0) return [];
    return this.db
      .getRepository(Newsletter)
      .createQueryBuilder('n')
      .innerJoin(
        'subscriptions',
        's',
        's.newsletter_id = n.id AND s.subscriber_id = :subscriberId AND s.status = :status',
        {
          subscriberId,
          status,
        },
      )
      .where('n.id IN (:...ids)', { ids })
      .orderBy('n.name', 'ASC')
      .getMany();
  }

  /**
   * Takes this hour's confirmation slot for the address, atomically: of two concurrent
   * callers only one gets a row back. Returns null when a mail went out less than an hour ago.
   */
  private async claimConfirmationSlot(subscriberId: string): Promise<ThrottleClaim | null> {
    // Wrapped in a SELECT so the driver returns the rows (a bare UPDATE answers [rows, count]).
    const rows: ThrottleClaim[] = await this.db.query(
      `WITH claim AS (
         UPDATE subscribers s SET last_confirmation_sent_at = now()
         FROM (SELECT id, last_confirmation_sent_at AS previous FROM subscribers WHERE id = $1) p
         WHERE s.id = p.id
           AND (s.last_confirmation_sent_at IS NULL OR s.last_confirmation_sent_at < now() - interval '1 hour')
         RETURNING p.previous::text AS previous, s.last_confirmation_sent_at::text AS claimed
       )
       SELECT previous, claimed FROM claim`,
      [subscriberId],
    );
    return rows[0] ?? null;
  }

  /** Undoes our claim (only ours: a newer claim is left alone). */
  private async releaseConfirmationSlot(subscriberId: string, claim: ThrottleClaim): Promise<void> {
    await this.db.query(
      `UPDATE subscribers SET last_confirmation_sent_at = $2::timestamptz
       WHERE id = $1 AND last_confirmation_sent_at = $3::timestamptz`,
      [subscriberId, claim.previous, claim.claimed],
    );
  }
}

function listOf(newsletter: Newsletter): MailingList {
  return { slug: newsletter.slug, name: newsletter.name };
}
