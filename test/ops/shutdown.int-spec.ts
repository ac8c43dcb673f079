import { Controller, Get, INestApplication, INestApplicationContext } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { getQueueToken } from '@nestjs/bullmq';
import { Test } from '@nestjs/testing';
import { Queue } from 'bullmq';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { JobQueue, QueueName } from '@app/queues';
import { AppModule } from '../../apps/api/src/app.module';
import { configureApp } from '../../apps/api/src/configure-app';
import { ApiExpressAdapter } from '../../apps/api/src/http-platform';
import { getOnNewConnection as get, startApiProcess } from '../helpers/api-process';
import { createTestEnv, TestEnv, waitFor } from '../helpers/test-env';
import { WorkerProcess } from '../helpers/worker-process';
import { freePort } from '../helpers/private-services';
import { PROBE_QUEUE, startProbeWorker } from './probe-worker';

/** A request that takes a while, then uses the database and Redis: caught in flight by a shutdown. */
let reachedHandler: () => void = () => undefined;
@Controller('slow-probe')
class SlowController {
  constructor(
    private readonly db: DataSource,
    private readonly jobs: JobQueue,
  ) {}

  @Get()
  async slow(): Promise<{ finished: true; db: number; waiting: number }> {
    reachedHandler();
    await new Promise((resolve) => setTimeout(resolve, 800));
    const [{ one }] = await this.db.query('SELECT 1 AS one');
    const waiting = await this.jobs.queue(QueueName.feeds).getWaitingCount();
    return { finished: true, db: one, waiting };
  }
}

describe('graceful shutdown', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await createTestEnv('ops_shutdown');
  });
  afterAll(async () => {
    await env?.cleanup();
  });

  it('lets a running job finish (and use its queue) before the worker context closes', async () => {
    const worker: INestApplicationContext = await startProbeWorker();
    const queue = worker.get<Queue>(getQueueToken(PROBE_QUEUE));
    await queue.add('long', { email: 'x@example.com', holdMs: 700 }, { jobId: 'long-1', attempts: 1 });
    await waitFor(async () => (await queue.getActiveCount()) === 1, 10_000, 'the job to start');

    await worker.close();

    const inspector = new Queue(PROBE_QUEUE, { connection: { url: env.redisUrl }, prefix: env.queuePrefix });
    try {
      expect(await (await inspector.getJob('long-1'))?.getState()).toBe('completed');
      expect(await (await inspector.getJob('long-1-follow-up'))?.getState()).toBe('delayed');
    } finally {
      await inspector.close();
    }
  });

  it('answers a request in flight, then stops accepting connections', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule], controllers: [SlowController] }).compile();
    const app: INestApplication = moduleRef.createNestApplication<NestExpressApplication>(new ApiExpressAdapter(), {
      bodyParser: false,
    });
    configureApp(app);
    await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;

    const arrived = new Promise<void>((resolve) => (reachedHandler = resolve));
    const inFlight = get(`${url}/slow-probe`);
    await arrived;
    const closing = app.close();

    const answered = await inFlight;
    expect(answered).toEqual({ status: 200, body: JSON.stringify({ finished: true, db: 1, waiting: 0 }) });
    await closing;
    await expect(get(`${url}/health/live`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('a real worker process exits 0 on SIGTERM after closing its workers', async () => {
    const worker = await WorkerProcess.start({ LOG_LEVEL: 'info' });
    try {
      const exit = await worker.stop('SIGTERM');
      expect({ exit, output: worker.output() }).toEqual({
        exit: { code: 0, signal: null },
        output: expect.stringMatching(/SIGTERM: closing \d+ workers[\s\S]*workers closed/),
      });
    } finally {
      await worker.ensureStopped();
    }
  });

  it('a real API process exits 0 on SIGTERM', async () => {
    const api = startApiProcess(await freePort());
    try {
      await api.waitUntilLive();
      api.child.kill('SIGTERM');
      expect({ exit: await api.exited, output: api.output() }).toEqual({
        exit: { code: 0, signal: null },
        output: expect.any(String),
      });
    } finally {
      api.ensureStopped();
    }
  });
});
