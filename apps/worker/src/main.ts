import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { WorkerModule } from './worker.module';

async function bootstrap(): Promise<void> {
  // Headless: no HTTP server, only BullMQ processors.
  const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true });
  app.enableShutdownHooks();
  await app.init();
  process.stdout.write('Dispatch worker started\n');
}

bootstrap().catch((err: unknown) => {
  process.stderr.write(`Worker failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
