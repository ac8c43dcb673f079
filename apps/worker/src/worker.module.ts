import { Module } from '@nestjs/common';
import { ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { QueuesModule } from '@app/queues';
import { ObservabilityModule } from '@app/observability';

@Module({
  imports: [ConfigModule.forRoot(), DatabaseModule, QueuesModule.forRoot('worker'), ObservabilityModule],
})
export class WorkerModule {}
