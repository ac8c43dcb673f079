import { Module } from '@nestjs/common';
import { EmailEventsService } from './events/email-events.service';
import { PrivacyService } from './privacy/privacy.service';
import { SuppressionService } from './suppression/suppression.service';
import { ReaderLinks } from './tokens/reader-links';
import { TokenService } from './tokens/token.service';
import { ConsentLedger } from './consent/consent-ledger';
import { FormTokenService } from './csrf/form-token.service';
import { SubscriberImportService } from './import/subscriber-import.service';
import { UnconfirmedPurgeService } from './maintenance/unconfirmed-purge.service';
import { ConfirmationRequeueService } from './maintenance/confirmation-requeue.service';
import { ActiveNewsletterCache } from './newsletters/active-newsletter-cache';
import { NewslettersService } from './newsletters/newsletters.service';
import { SubscriberRecords } from './subscribers/subscriber-records.service';
import { SignUpWriter } from './subscribers/sign-up-writer';
import { ConfirmationQueue } from './mails/confirmation-job';
import { SubscriptionService } from './subscribers/subscription.service';

/** Reader flows, newsletters, consent ledger, imports and purges. */
const READER_SERVICES = [
  NewslettersService,
  ActiveNewsletterCache,
  ConsentLedger,
  FormTokenService,
  SignUpWriter,
  ConfirmationQueue,
  SubscriptionService,
  SubscriberRecords,
  SubscriberImportService,
  UnconfirmedPurgeService,
  ConfirmationRequeueService,
];

@Module({
  providers: [TokenService, ReaderLinks, SuppressionService, EmailEventsService, PrivacyService, ...READER_SERVICES],
  exports: [TokenService, ReaderLinks, SuppressionService, EmailEventsService, PrivacyService, ...READER_SERVICES],
})
export class SubscriptionsModule {}
