import { Module } from '@nestjs/common';
import { ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { QueuesModule } from '@app/queues';
import { ObservabilityModule } from '@app/observability';
import { MailModule } from '@app/mail';
import { SubscriptionsModule, TransactionalMailModule } from '@app/subscriptions';
import { TransactionalProcessor } from './processors/transactional.processor';
import { DigestHousekeeping, DigestsModule } from '@app/digests';
import { DeliveryProcessor } from './processors/delivery.processor';
import { DigestProcessor } from './processors/digest.processor';
import { MaintenanceProcessor } from './processors/maintenance.processor';
import { MaintenanceScheduler } from './maintenance-scheduler';
import { ArticlesModule } from '@app/articles';
import { FeedsProcessor } from './processors/feeds.processor';
import { FeedSchedules } from './feed-schedules';

@Module({
  imports: [
    ConfigModule.forRoot(),
    DatabaseModule,
    QueuesModule.forRoot('worker'),
    ObservabilityModule,
    MailModule,
    TransactionalMailModule,
    DigestsModule,
    SubscriptionsModule,
    ArticlesModule,
  ],
  providers: [
    TransactionalProcessor,
    DigestProcessor,
    DeliveryProcessor,
    DigestHousekeeping,
    MaintenanceProcessor,
    MaintenanceScheduler,
    FeedsProcessor,
    FeedSchedules,
  ],
})
export class WorkerModule {}
