import { Module } from '@nestjs/common';
import { SubscriptionsModule } from '@app/subscriptions';
import { PrivacyAdminController } from '../admin/privacy.controller';
import { PageRenderer } from '../common/page-renderer';
import { ReaderExportController } from './reader-export.controller';

/** Privacy rights over HTTP: the operator's admin routes and the reader's own export. */
@Module({
  imports: [SubscriptionsModule],
  controllers: [PrivacyAdminController, ReaderExportController],
  providers: [PageRenderer],
})
export class PrivacyModule {}
