export * from './queue-names';
export * from './jobs';
export * from './redis-connection';
export * from './queues.module';
export * from './job-queue';
export * from './redis-keys';
