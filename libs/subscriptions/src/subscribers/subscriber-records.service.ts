import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Subscriber, SubscriberStatus, Subscription, SubscriptionStatus } from '@app/database';
import { ConsentLedger } from '../consent/consent-ledger';
import { NewslettersService } from '../newsletters/newsletters.service';
import type { ConsentEventView } from '../privacy/privacy.service';
import { toStoredEmail } from '../readers/reader-input';

export interface SubscriberRecord {
  id: string;
  email: string | null;
  name: string | null;
  status: SubscriberStatus;
  createdAt: Date;
  subscriptions: Array<{
    newsletter: string;
    status: SubscriptionStatus;
    createdAt: Date;
    confirmedAt: Date | null;
    unsubscribedAt: Date | null;
  }>;
  /** The ledger as in the reader's export, with dates as dates. */
  consentEvents: Array<Omit<ConsentEventView, 'at'> & { at: Date }>;
}

/** What operators see of a reader: subscriptions with their states and the consent history. */
@Injectable()
export class SubscriberRecords {
  constructor(
    @InjectRepository(Subscriber) private readonly subscribers: Repository<Subscriber>,
    @InjectRepository(Subscription) private readonly subscriptions: Repository<Subscription>,
    private readonly newsletters: NewslettersService,
    private readonly ledger: ConsentLedger,
  ) {}

  /** Case-insensitive; internationalised domains match their punycode form. Null when unknown. */
  async findByEmail(email: string): Promise<SubscriberRecord | null> {
    const stored = toStoredEmail(email);
    if (!stored) return null;
    const subscriber = await this.subscribers
      .createQueryBuilder('s')
      .where('lower(s.email) = lower(:email)', { email: stored })
      .getOne();
    return subscriber ? this.describe(subscriber) : null;
  }

  async findById(id: string): Promise<SubscriberRecord | null> {
    const subscriber = await this.subscribers.findOne({ where: { id } });
    return subscriber ? this.describe(subscriber) : null;
  }

  private async describe(subscriber: Subscriber): Promise<SubscriberRecord> {
    const subscriptions = await this.subscriptions.find({
      where: { subscriberId: subscriber.id },
      order: { createdAt: 'ASC' },
    });
    const newsletters = await this.newsletters.findByIds(subscriptions.map((s) => s.newsletterId));
    const slugOf = new Map(newsletters.map((n) => [n.id, n.slug]));
    const events = await this.ledger.historyOf(subscriber.id);
    return {
      id: subscriber.id,
      email: subscriber.email,
      name: subscriber.name,
      status: subscriber.status,
      createdAt: subscriber.createdAt,
      subscriptions: subscriptions.map((s) => ({
        newsletter: slugOf.get(s.newsletterId) ?? s.newsletterId,
        status: s.status,
        createdAt: s.createdAt,
        confirmedAt: s.confirmedAt,
        unsubscribedAt: s.unsubscribedAt,
      })),
      consentEvents: events.map((e) => ({
        action: e.action,
        newsletters: e.newsletters,
        consentVersion: e.consentVersion,
        consentTextSha256: e.consentTextSha256,
        ip: e.ip,
        userAgent: e.userAgent,
        source: e.source,
        details: e.details,
        at: e.at,
      })),
    };
  }
}
