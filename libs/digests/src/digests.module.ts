import { Module } from '@nestjs/common';
import { MailModule } from '@app/mail';
import { SubscriptionsModule } from '@app/subscriptions';
import { ArchiveService } from './archive/archive.service';
import { DigestBuilder } from './build/digest-builder';
import { DigestRenderer } from './build/digest-renderer';
import { BatchLock } from './delivery/batch-lock';
import { DeliveryRepository } from './delivery/delivery.repository';
import { DeliveryService } from './delivery/delivery.service';
import { FanOutService } from './delivery/fan-out.service';
import { SendThrottle } from './delivery/send-throttle';
import { IssueService } from './issues/issue.service';
import { ReconcilerService } from './reconcile/reconciler.service';
import { NewsletterRecommender } from './recommendations/newsletter-recommender';
import { ScheduleService } from './schedule/schedule.service';

/**
 * Issues of newsletters: schedules, building, fan-out, delivery, reconciliation and the
 * public archive. Needs ConfigModule, DatabaseModule, QueuesModule and
 * ObservabilityModule (all global) in the importing app.
 */
@Module({
  imports: [MailModule, SubscriptionsModule],
  providers: [
    ArchiveService,
    BatchLock,
    DeliveryRepository,
    DeliveryService,
    DigestBuilder,
    DigestRenderer,
    FanOutService,
    IssueService,
    NewsletterRecommender,
    ReconcilerService,
    ScheduleService,
    SendThrottle,
  ],
  exports: [
    ArchiveService,
    DeliveryService,
    DigestBuilder,
    DigestRenderer,
    FanOutService,
    IssueService,
    NewsletterRecommender,
    ReconcilerService,
    ScheduleService,
  ],
})
export class DigestsModule {}
