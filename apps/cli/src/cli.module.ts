import { Module } from '@nestjs/common';
import { ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { QueuesModule } from '@app/queues';
import { ObservabilityModule } from '@app/observability';
import { SubscriptionsModule } from '@app/subscriptions';
import { ArticlesModule } from '@app/articles';
import { DigestsModule } from '@app/digests';

/** What operator commands need: the feature services, no HTTP server and no queue processors. */
@Module({
  imports: [
    ConfigModule.forRoot(),
    DatabaseModule,
    QueuesModule.forRoot('producer'),
    ObservabilityModule,
    SubscriptionsModule,
    ArticlesModule,
    DigestsModule,
  ],
})
export class CliModule {}
