import { Module } from '@nestjs/common';
import { ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { QueuesModule } from '@app/queues';
import { ObservabilityModule } from '@app/observability';
import { MailModule } from '@app/mail';
import { TransactionalMailModule } from '@app/subscriptions';
import { TransactionalProcessor } from './processors/transactional.processor';
import { DigestHousekeeping, DigestsModule } from '@app/digests';
import { DeliveryProcessor } from './processors/delivery.processor';
import { DigestProcessor } from './processors/digest.processor';

@Module({
  imports: [
    ConfigModule.forRoot(),
    DatabaseModule,
    QueuesModule.forRoot('worker'),
    ObservabilityModule,
    MailModule,
    TransactionalMailModule,
    DigestsModule,
  ],
  providers: [TransactionalProcessor, DigestProcessor, DeliveryProcessor, DigestHousekeeping],
})
export class WorkerModule {}
