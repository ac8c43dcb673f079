import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { WorkerModule } from './worker.module';

async function bootstrap(): Promise<void> {
  // Headless: no HTTP server, only BullMQ processors.
  const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  // SIGTERM: workers close first and let running jobs finish (WorkerDrain), then queues,
  // Redis and the database; process.exit(0) afterwards so pino flushes and the exit code is clean.
  app.enableShutdownHooks([], { useProcessExit: true });
  await app.init();
  process.stdout.write('Dispatch worker started\n');
}

bootstrap().catch((err: unknown) => {
  process.stderr.write(`Worker failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
