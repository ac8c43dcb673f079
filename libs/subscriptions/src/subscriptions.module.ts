import { Module } from '@nestjs/common';
import { ReaderLinks } from './tokens/reader-links';
import { TokenService } from './tokens/token.service';

@Module({
  providers: [TokenService, ReaderLinks],
  exports: [TokenService, ReaderLinks],
})
export class SubscriptionsModule {}
