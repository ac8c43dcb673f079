import { Module } from '@nestjs/common';
import { MailModule } from '@app/mail';
import { SubscriptionsModule } from '../subscriptions.module';
import { TransactionalMailService } from './transactional-mail.service';

/**
 * The reader's one-to-one mails. A module of its own so that SubscriptionsModule
 * (imported by the API, which only enqueues) does not pull in the mail transport.
 */
@Module({
  imports: [SubscriptionsModule, MailModule],
  providers: [TransactionalMailService],
  exports: [TransactionalMailService],
})
export class TransactionalMailModule {}
