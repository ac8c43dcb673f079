import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AddressInfo } from 'node:net';
import { AppModule } from '../../apps/api/src/app.module';
import { configureApp } from '../../apps/api/src/configure-app';
import { ApiExpressAdapter } from '../../apps/api/src/http-platform';

export interface RunningApi {
  app: INestApplication;
  baseUrl: string;
  close(): Promise<void>;
}

/** Boots the real API module (as main.ts does) on a free port. Call after createTestEnv. */
export async function startApi(): Promise<RunningApi> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, new ApiExpressAdapter(), {
    bodyParser: false,
    logger: false,
  });
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return { app, baseUrl: `http://127.0.0.1:${port}`, close: () => app.close() };
}
