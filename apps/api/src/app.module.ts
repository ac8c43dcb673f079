import { Module } from '@nestjs/common';
import { ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { QueuesModule } from '@app/queues';
import { ObservabilityModule } from '@app/observability';
import { ArticlesModule } from '@app/articles';
import { ArticlesController } from './admin/articles.controller';
import { FeedsController } from './admin/feeds.controller';
import { OpsModule } from './ops';
import { PrivacyModule } from './privacy/privacy.module';
import { ReadersModule } from './readers/readers.module';
import { DigestsHttpModule } from './public/digests-http.module';
import { SecurityModule } from './security/security.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({
  imports: [
    ConfigModule.forRoot(),
    DatabaseModule,
    QueuesModule.forRoot('producer'),
    ObservabilityModule,
    OpsModule,
    SecurityModule,
    WebhooksModule,
    PrivacyModule,
    ReadersModule,
    DigestsHttpModule,
    ArticlesModule,
  ],
  controllers: [ArticlesController, FeedsController],
})
export class AppModule {}
