import { Module } from '@nestjs/common';
import { ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { QueuesModule } from '@app/queues';
import { ObservabilityModule } from '@app/observability';
import { MailModule } from '@app/mail';
import { TransactionalMailModule } from '@app/subscriptions';
import { TransactionalProcessor } from './processors/transactional.processor';

@Module({
  imports: [
    ConfigModule.forRoot(),
    DatabaseModule,
    QueuesModule.forRoot('worker'),
    ObservabilityModule,
    MailModule,
    TransactionalMailModule,
  ],
  providers: [TransactionalProcessor],
})
export class WorkerModule {}
