import { Module } from '@nestjs/common';
import { SuppressionService } from './suppression/suppression.service';
import { ReaderLinks } from './tokens/reader-links';
import { TokenService } from './tokens/token.service';

@Module({
  providers: [TokenService, ReaderLinks, SuppressionService],
  exports: [TokenService, ReaderLinks, SuppressionService],
})
export class SubscriptionsModule {}
