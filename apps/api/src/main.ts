import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './configure-app';

async function bootstrap(): Promise<void> {
  // Body parsers are configured per route group in configureApp (small limits, 50 MB for imports).
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false, bufferLogs: true });
  const config = configureApp(app);
  await app.listen(config.port);
  process.stdout.write(`Dispatch API listening on ${config.publicBaseUrl} (port ${config.port})\n`);
}

bootstrap().catch((err: unknown) => {
  process.stderr.write(`API failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
