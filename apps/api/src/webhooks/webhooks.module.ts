import { Module } from '@nestjs/common';
import { SubscriptionsModule } from '@app/subscriptions';
import { WebhookSignatureGuard } from './webhook-signature.guard';
import { WebhooksController } from './webhooks.controller';

@Module({
  imports: [SubscriptionsModule],
  controllers: [WebhooksController],
  providers: [WebhookSignatureGuard],
})
export class WebhooksModule {}
