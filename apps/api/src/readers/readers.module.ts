import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import cors from 'cors';
import { SubscriptionsModule } from '@app/subscriptions';
import { NewslettersController } from '../admin/newsletters.controller';
import { SubscribersController } from '../admin/subscribers.controller';
import { PageRenderer } from '../common/page-renderer';
import { ConfirmController } from './confirm.controller';
import { OriginPolicy } from './origin-policy';
import { PreferencesController } from './preferences.controller';
import { ReaderForms } from './reader-forms';
import { ApiExceptionFilter } from './reader-page-exception.filter';
import { ReaderPages } from './reader-pages';
import { SubscribeController } from './subscribe.controller';
import { UnsubscribeController } from './unsubscribe.controller';

/**
 * Subscriptions over HTTP: the reader pages and flows (sign-up, confirm,
 * unsubscribe, preferences) and the operators' newsletter and subscriber routes.
 */
@Module({
  imports: [SubscriptionsModule],
  controllers: [
    SubscribeController,
    ConfirmController,
    UnsubscribeController,
    PreferencesController,
    NewslettersController,
    SubscribersController,
  ],
  providers: [
    PageRenderer,
    ReaderPages,
    ReaderForms,
    OriginPolicy,
    // Global (an APP_FILTER applies to every route), registered here because it renders reader pages.
    { provide: APP_FILTER, useClass: ApiExceptionFilter },
  ],
})
export class ReadersModule implements NestModule {
  constructor(private readonly origins: OriginPolicy) {}

  /** Publishers' sites (ALLOWED_ORIGINS) may post sign-ups from their own pages' scripts; nobody else. */
  configure(consumer: MiddlewareConsumer): void {
    const corsForPublishers = cors({
      origin: (origin, done) => done(null, this.origins.isPublisher(origin)),
      methods: ['POST'],
      allowedHeaders: ['Content-Type', 'Accept'],
      maxAge: 600,
    });
    consumer.apply(corsForPublishers).forRoutes({ path: 'subscriptions', method: RequestMethod.ALL });
  }
}
