import { Module } from '@nestjs/common';
import { ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { QueuesModule } from '@app/queues';
import { ObservabilityModule } from '@app/observability';
import { PrivacyModule } from './privacy/privacy.module';
import { SecurityModule } from './security/security.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({
  imports: [
    ConfigModule.forRoot(),
    DatabaseModule,
    QueuesModule.forRoot('producer'),
    ObservabilityModule,
    SecurityModule,
    WebhooksModule,
    PrivacyModule,
  ],
})
export class AppModule {}
