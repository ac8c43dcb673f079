import { Module } from '@nestjs/common';
import { EmailEventsService } from './events/email-events.service';
import { PrivacyService } from './privacy/privacy.service';
import { SuppressionService } from './suppression/suppression.service';
import { ReaderLinks } from './tokens/reader-links';
import { TokenService } from './tokens/token.service';

@Module({
  providers: [TokenService, ReaderLinks, SuppressionService, EmailEventsService, PrivacyService],
  exports: [TokenService, ReaderLinks, SuppressionService, EmailEventsService, PrivacyService],
})
export class SubscriptionsModule {}
