import { Module } from '@nestjs/common';
import { ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { QueuesModule } from '@app/queues';

@Module({
  imports: [ConfigModule.forRoot(), DatabaseModule, QueuesModule.forRoot('producer')],
})
export class AppModule {}
