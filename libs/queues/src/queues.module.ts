import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { ALL_QUEUES } from './queue-names';
import { ConnectionRole, redisOptions } from './redis-connection';
import { JobQueue } from './job-queue';

export const DEFAULT_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { count: 2000, age: 24 * 3600 },
  removeOnFail: { count: 10000, age: 7 * 24 * 3600 },
};

@Global()
@Module({})
export class QueuesModule {
  static forRoot(role: ConnectionRole): DynamicModule {
    return {
      module: QueuesModule,
      imports: [
        BullModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => ({
            connection: redisOptions(config.redisUrl, role),
            prefix: config.queuePrefix,
            defaultJobOptions: DEFAULT_JOB_OPTIONS,
          }),
        }),
        BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name }))),
      ],
      providers: [JobQueue],
      exports: [BullModule, JobQueue],
    };
  }
}
