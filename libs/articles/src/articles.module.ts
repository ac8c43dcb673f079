import { Module } from '@nestjs/common';
import { ArticlesService } from './articles.service';
import { FeedScheduler } from './feeds/feed-scheduler';
import { FeedsService } from './feeds/feeds.service';
import { RelatedIndex } from './related/related-index';

/**
 * Articles: ingestion (admin API, feeds, CLI), summaries and the related-article
 * index. Needs the global DatabaseModule, QueuesModule and ConfigModule.
 */
@Module({
  providers: [ArticlesService, RelatedIndex, FeedsService, FeedScheduler],
  exports: [ArticlesService, FeedsService, FeedScheduler],
})
export class ArticlesModule {}
