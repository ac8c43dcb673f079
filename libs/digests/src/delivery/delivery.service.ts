import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { settleInLanes } from '@app/common';
import { IssueStatus } from '@app/database';
import {
  CompiledMail,
  HeaderInjectionError,
  MailHeaders,
  MailSendError,
  MailTransport,
  MimeTemplate,
  PreparedMail,
} from '@app/mail';
import { DeliveryMetrics } from '@app/observability';
import { ReaderLinks, SuppressionService } from '@app/subscriptions';
import { MAX_DELIVERY_ATTEMPTS } from '../digest.constants';
import { DigestRenderer } from '../build/digest-renderer';
import {
  NewsletterRecommender,
  RecommendableNewsletter,
  readerNewsletters,
  recommendNewsletters,
} from '../recommendations/newsletter-recommender';
import { BatchLock } from './batch-lock';
import { DeliveryRepository, QueuedDelivery } from './delivery.repository';
import { SendThrottle } from './send-throttle';
import { SendabilityLookahead } from './sendability-lookahead';

/** SMTP replies that say the mailbox does not exist: the address goes on the suppression list. */
const HARD_BOUNCE_CODES = new Set([550, 551, 553]);

export interface BatchTally {
  sent: number;
  failed: number;
  skipped: number;
  /** Deliveries left queued after a temporary failure (the job is retried for them). */
  retryLater: number;
  lastTemporaryError?: string;
}

export type BatchResult = { status: 'busy' } | ({ status: 'done'; issueFinished: boolean } & BatchTally);

/** Thrown after a batch in which some sends failed temporarily: BullMQ retries it with backoff. */
export class TemporarySendFailure extends Error {
  constructor(readonly tally: BatchTally) {
    super(`${tally.retryLater} deliveries failed temporarily (${tally.lastTemporaryError ?? 'unknown'}); retrying`);
    this.name = 'TemporarySendFailure';
  }
}

interface SendingIssue {
  id: string;
  status: IssueStatus;
  newsletterId: string;
  slug: string;
  name: string;
  /** The issue's MIME, built once per process: per reader only the placeholders are encoded. */
  mime: MimeTemplate;
}

interface BatchContext {
  issue: SendingIssue;
  checks: SendabilityLookahead;
  catalogue: RecommendableNewsletter[];
  subscriptions: Map<string, Array<{ newsletterId: string; status: string }>>;
  tally: BatchTally;
  durations: number[];
}

const MIME_CACHE_LIMIT = 16;
/** About 7 seconds of retrying in all. */
const MARK_SENT_ATTEMPTS = 5;

/**
 * Sends one batch of an issue. Each message: a send-time check in Postgres (still
 * queued, still subscribed, not suppressed; taken for a few messages at once, see
 * SendabilityLookahead), the reader's message from the issue's
 * pre-built MIME (MimeTemplate: only the placeholder values are encoded per reader), the
 * SMTP conversation, and the delivery row marked right after the server's answer.
 */
@Injectable()
export class DeliveryService {
  private readonly logger = new Logger(DeliveryService.name);
  private readonly mimeCache = new Map<string, MimeTemplate>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly deliveries: DeliveryRepository,
    private readonly lock: BatchLock,
    private readonly throttle: SendThrottle,
    private readonly renderer: DigestRenderer,
    private readonly recommender: NewsletterRecommender,
    private readonly links: ReaderLinks,
    private readonly suppression: SuppressionService,
    private readonly headers: MailHeaders,
    private readonly transport: MailTransport,
    private readonly metrics: DeliveryMetrics,
  ) {}

  async sendBatch(issueId: string, batch: number): Promise<BatchResult> {
    const lock = await this.lock.tryAcquire(issueId, batch);
    if (!lock) return { status: 'busy' };
    try {
      const tally: BatchTally = { sent: 0, failed: 0, skipped: 0, retryLater: 0 };
      const issue = await this.loadIssue(issueId);
      if (!issue || issue.status !== 'sending') return { status: 'done', issueFinished: false, ...tally };
      const rows = await this.deliveries.loadQueued(issueId, batch);
      if (rows.length > 0) {
        const context: BatchContext = {
          issue,
          checks: new SendabilityLookahead(
            rows,
            (row) => this.deliveries.sendability(row, issue.newsletterId, this.suppression.hashesOf(row.email)),
            this.throttle.checkLookahead(),
          ),
          catalogue: await this.recommender.catalogue(),
          subscriptions: await this.deliveries.subscriptionsOf(rows.map((r) => r.subscriberId)),
          tally,
          durations: [],
        };
        // Only as many rows in progress as the throttle admits (see settleInLanes for why).
        const crashes = await settleInLanes(rows.length, this.throttle.capacity, (index) =>
          this.sendOne(context, rows[index], index),
        );
        // Counted per batch, not per message (see DeliveryRepository); exact again when the issue completes.
        await this.deliveries.addSent(issueId, tally.sent);
        await this.metrics.recordBatch(issue.slug, tally, context.durations);
        if (crashes.length > 0) throw crashes[0];
      }
      const issueFinished = await this.deliveries.completeIssueIfDone(issueId);
      if (issueFinished) this.logger.log(`issue ${issueId} of ${issue.slug} sent`);
      // What succeeded is recorded; the job is retried (with backoff) for what is still queued.
      if (tally.retryLater > 0) throw new TemporarySendFailure(tally);
      return { status: 'done', issueFinished, ...tally };
    } finally {
      await lock.release();
    }
  }

  private async sendOne(ctx: BatchContext, row: QueuedDelivery, index: number): Promise<void> {
    const release = await this.throttle.acquire();
    try {
      const { tally } = ctx;
      if (!row.email) {
        // Erased while queued: there is no address any more.
        if (await this.deliveries.markSkipped(row.id, 'reader erased')) tally.skipped++;
        return;
      }
      const check = await ctx.checks.check(index);
      if (!check.queued) return;
      if (!check.subscribed || check.suppressed) {
        const reason = check.subscribed ? 'address is suppressed' : 'no longer subscribed at send time';
        if (await this.deliveries.markSkipped(row.id, reason)) tally.skipped++;
        return;
      }
      let mail: PreparedMail;
      try {
        mail = this.prepare(ctx, row as QueuedDelivery & { email: string });
      } catch (err) {
        // A message we refuse to build (e.g. an address with header syntax) fails like a refused one.
        if (!(err instanceof HeaderInjectionError)) throw err;
        await this.recordFailure(ctx, row.id, row.email, new MailSendError(err));
        return;
      }
      const started = performance.now();
      try {
        await this.transport.send(mail);
      } catch (err) {
        await this.recordFailure(ctx, row.id, row.email, err instanceof MailSendError ? err : new MailSendError(err));
        return;
      }
      ctx.durations.push((performance.now() - started) / 1000);
      if (await this.recordSent(row.id, mail.messageId)) tally.sent++;
    } finally {
      release();
    }
  }

  /** The reader's message: personal links, greeting and recommendations in the issue's pre-built MIME. */
  private prepare(ctx: BatchContext, row: QueuedDelivery & { email: string }): PreparedMail {
    const { issue } = ctx;
    const unsubscribeUrl = this.links.unsubscribeUrl(row.subscriberId, issue.newsletterId);
    const { values, trustedHtml } = this.renderer.readerValues({
      name: row.name,
      unsubscribeUrl,
      preferencesUrl: this.links.preferencesUrl(row.subscriberId),
      recommendations: recommendNewsletters(
        ctx.catalogue,
        readerNewsletters(ctx.subscriptions.get(row.subscriberId) ?? []),
      ).map((r) => r.newsletter),
    });
    return issue.mime.prepare({
      to: { address: row.email, name: row.name ?? undefined },
      // Derived from ids only: a retry of this message carries the same Message-ID.
      messageId: this.headers.messageId('issue', issue.id, row.subscriberId),
      values,
      trustedHtml,
      headers: this.headers.forSubscriber(unsubscribeUrl, { slug: issue.slug, name: issue.name }),
    });
  }

  /**
   * The message has left: the row must say so, or a retry would send it again. A brief
   * database hiccup here is waited out rather than turned into a duplicate.
   */
  private async recordSent(deliveryId: string, messageId: string): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.deliveries.markSent(deliveryId, messageId);
      } catch (err) {
        if (attempt >= MARK_SENT_ATTEMPTS) throw err;
        this.logger.warn(`delivery ${deliveryId} sent but not yet recorded (${(err as Error).message}); retrying`);
        await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
      }
    }
  }

  private async recordFailure(ctx: BatchContext, deliveryId: string, email: string, failure: MailSendError) {
    // SMTP replies carry their code in the message; connection errors get their class.
    const reason = failure.responseCode ? failure.message : `${failure.kind} failure: ${failure.message}`;
    if (failure.kind === 'permanent') {
      if (await this.deliveries.markFailed(deliveryId, reason)) ctx.tally.failed++;
      if (failure.responseCode && HARD_BOUNCE_CODES.has(failure.responseCode)) {
        await this.suppression.suppress(email, 'hard_bounce', reason);
      }
      return;
    }
    const status = await this.deliveries.recordTemporaryFailure(deliveryId, reason, MAX_DELIVERY_ATTEMPTS);
    if (status === 'failed') ctx.tally.failed++;
    if (status === 'queued') {
      ctx.tally.retryLater++;
      ctx.tally.lastTemporaryError = reason;
    }
  }

  private async loadIssue(issueId: string): Promise<SendingIssue | null> {
    const [row] = (await this.db.query(
      `SELECT i.id, i.status, i.subject, i.html, i.text, n.id AS "newsletterId", n.slug, n.name
         FROM issues i JOIN newsletters n ON n.id = i.newsletter_id WHERE i.id = $1`,
      [issueId],
    )) as Array<{
      id: string;
      status: IssueStatus;
      subject: string;
      html: string | null;
      text: string | null;
      newsletterId: string;
      slug: string;
      name: string;
    }>;
    if (!row || row.html === null) return null;
    return {
      ...row,
      mime: this.mimeOf(row.id, { subject: row.subject, html: row.html, text: row.text ?? '' }),
    };
  }

  /** The stored issue is immutable once sending: build its MIME once per process. */
  private mimeOf(issueId: string, parts: { subject: string; html: string; text: string }): MimeTemplate {
    let mime = this.mimeCache.get(issueId);
    if (!mime) {
      mime = this.transport.mimeTemplate(CompiledMail.fromParts(parts));
      if (this.mimeCache.size >= MIME_CACHE_LIMIT) this.mimeCache.delete(this.mimeCache.keys().next().value!);
      this.mimeCache.set(issueId, mime);
    }
    return mime;
  }
}
