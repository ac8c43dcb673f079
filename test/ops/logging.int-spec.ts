import { Body, Controller, INestApplication, INestApplicationContext, Logger, Post } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { getQueueToken } from '@nestjs/bullmq';
import { Test } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import type { AddressInfo } from 'node:net';
import { LOG_DESTINATION } from '@app/observability';
import { AppModule } from '../../apps/api/src/app.module';
import { configureApp } from '../../apps/api/src/configure-app';
import { ApiExpressAdapter } from '../../apps/api/src/http-platform';
import { createTestEnv, TestEnv, waitFor } from '../helpers/test-env';
import { PROBE_QUEUE, startProbeWorker } from './probe-worker';

/** Stands in for any controller that logs about a reader, as product code may by mistake. */
@Controller('log-probe')
class LogProbeController {
  private readonly logger = new Logger('LogProbe');

  @Post()
  probe(@Body() body: { email: string }): { ok: true } {
    this.logger.log(`welcome mail queued for ${body.email}, link /confirm?token=tok.en-value`);
    this.logger.warn(
      { subscriber: { email: body.email, token: 'another-secret' } },
      'structured fields are scrubbed too',
    );
    return { ok: true };
  }

  @Post('fail')
  fail(): never {
    throw new Error('the probe broke');
  }
}

type LogLine = Record<string, unknown> & { requestId?: string; msg?: string };

describe('structured JSON logs (API and worker, captured from the real pino destination)', () => {
  let env: TestEnv;
  let api: INestApplication;
  let baseUrl: string;
  let worker: INestApplicationContext;
  const written: string[] = [];
  const capture = { write: (line: string) => void written.push(line) };
  const lines = (): LogLine[] => written.map((l) => JSON.parse(l) as LogLine);
  const raw = (): string => written.join('');

  beforeAll(async () => {
    env = await createTestEnv('ops_logging', { LOG_LEVEL: 'info' });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule], controllers: [LogProbeController] })
      .overrideProvider(LOG_DESTINATION)
      .useValue(capture)
      .compile();
    api = moduleRef.createNestApplication<NestExpressApplication>(new ApiExpressAdapter(), { bodyParser: false });
    configureApp(api);
    await api.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(api.getHttpServer().address() as AddressInfo).port}`;
    worker = await startProbeWorker(capture);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await env?.cleanup();
  });

  const probe = (headers: Record<string, string> = {}) =>
    fetch(`${baseUrl}/log-probe?email=jane.doe%40example.com&token=query-secret`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${env.adminToken}`, ...headers },
      body: JSON.stringify({ email: 'Jane.Doe@Example.com' }),
    });

  it('puts one request id on every line of a request and echoes it in X-Request-Id', async () => {
    const res = await probe();
    expect(res.status).toBe(201);
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const mine = await waitFor(
      () => {
        const l = lines().filter((line) => line.requestId === id);
        return l.length >= 3 ? l : null;
      },
      5000,
      'the three lines of the request',
    );
    expect(mine!.map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('welcome mail queued for'),
        'structured fields are scrubbed too',
        'request completed',
      ]),
    );
    const completed = mine!.find((l) => l.msg === 'request completed')!;
    expect(completed).toMatchObject({ req: { method: 'POST' }, res: { statusCode: 201 }, level: 'info' });
  });

  it('logs 4xx answers at warn and 5xx answers as errored, each with its request id', async () => {
    const notFound = await fetch(`${baseUrl}/no-such-route`);
    const failed = await fetch(`${baseUrl}/log-probe/fail`, { method: 'POST' });
    expect([notFound.status, failed.status]).toEqual([404, 500]);
    const lineOf = (res: Response) => () =>
      lines().find((l) => l.requestId === res.headers.get('x-request-id') && l.req !== undefined);
    expect(await waitFor(lineOf(notFound), 5000)).toMatchObject({
      level: 'warn',
      msg: 'request completed',
      res: { statusCode: 404 },
    });
    expect(await waitFor(lineOf(failed), 5000)).toMatchObject({
      level: 'error',
      msg: 'request errored',
      res: { statusCode: 500 },
      err: { message: 'failed with status code 500' },
    });
  });

  it('keeps a sane upstream X-Request-Id and replaces one that is not', async () => {
    const kept = await probe({ 'x-request-id': 'edge-7f3a.42' });
    expect(kept.headers.get('x-request-id')).toBe('edge-7f3a.42');
    await waitFor(() => lines().some((l) => l.requestId === 'edge-7f3a.42' && l.msg === 'request completed'), 5000);

    const replaced = await probe({ 'x-request-id': 'x'.repeat(300) });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('never writes an email address, a token or the admin credential', async () => {
    await probe();
    await waitFor(() => lines().filter((l) => l.msg === 'request completed').length >= 4, 5000);
    const text = raw();
    expect(text).not.toMatch(/jane\.doe(@|%40)example\.com/i);
    for (const secret of ['query-secret', 'tok.en-value', 'another-secret', env.adminToken]) {
      expect(text).not.toContain(secret);
    }
    // Still useful: the domain survives masking, and the URL keeps its shape.
    expect(text).toContain('J***@Example.com');
    const completed = lines().find((l) => l.msg === 'request completed') as { req: { url: string } };
    expect(completed.req.url).toBe('/log-probe?email=j***@example.com&token=[redacted]');
  });

  it('tags every line logged while a job runs with its queue, job id and name', async () => {
    const queue = worker.get<Queue>(getQueueToken(PROBE_QUEUE));
    const job = await queue.add('greet', { email: 'sam.reader@example.org' }, { jobId: 'probe-1' });
    const line = await waitFor(
      () => lines().find((l) => typeof l.msg === 'string' && l.msg.startsWith('probe job for')),
      10_000,
      'the processor log line',
    );
    expect(line!).toMatchObject({
      queue: PROBE_QUEUE,
      jobId: job.id,
      jobName: 'greet',
      attempt: 1,
      context: 'ProbeProcessor',
    });
    expect(line!.msg).toBe('probe job for s***@example.org');
    expect(raw()).not.toContain('sam.reader@example.org');
  });
});
