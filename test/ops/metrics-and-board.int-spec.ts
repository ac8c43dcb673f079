import type { INestApplicationContext } from '@nestjs/common';
import { DeliveryMetrics } from '@app/observability';
import { JobQueue } from '@app/queues';
import { RunningApi, startApi } from '../helpers/api-app';
import { startWorker } from '../helpers/worker-app';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { createTestEnv, TestEnv, waitFor } from '../helpers/test-env';
import { PROBE_QUEUE, startProbeWorker } from './probe-worker';
import { MetricFamily, parseExposition, sampleValue } from './prometheus-exposition';

describe('operators: queue board and /metrics (real Redis, worker in its own Nest context)', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let probeWorker: INestApplicationContext;

  beforeAll(async () => {
    env = await createTestEnv('ops_metrics');
    api = await startApi();
    worker = await startWorker();
    probeWorker = await startProbeWorker();
  });
  afterAll(async () => {
    await probeWorker?.close();
    await worker?.close();
    await api?.close();
    await env?.cleanup();
  });

  const basic = () => `Basic ${Buffer.from(`admin:${env.adminToken}`).toString('base64')}`;
  const scrape = async (): Promise<Map<string, MetricFamily>> => {
    const res = await fetch(`${api.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return parseExposition(await res.text());
  };

  describe('Bull Board at /admin/queues', () => {
    it('answers 401 with a basic-auth challenge without credentials, and with a wrong password', async () => {
      for (const headers of [
        {} as Record<string, string>,
        { authorization: `Basic ${Buffer.from('admin:wrong-password').toString('base64')}` },
      ]) {
        const res = await fetch(`${api.baseUrl}/admin/queues/api/queues`, { headers });
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      }
      const page = await fetch(`${api.baseUrl}/admin/queues`);
      expect(page.status).toBe(401);
    });

    it('lists the five queues to an operator (basic auth or bearer)', async () => {
      for (const authorization of [basic(), `Bearer ${env.adminToken}`]) {
        const res = await fetch(`${api.baseUrl}/admin/queues/api/queues`, { headers: { authorization } });
        expect(res.status).toBe(200);
        const body = (await res.json()) as { queues: Array<{ name: string }> };
        expect(body.queues.map((q) => q.name).sort()).toEqual([
          'delivery',
          'digest',
          'feeds',
          'maintenance',
          'transactional',
        ]);
      }
      const page = await fetch(`${api.baseUrl}/admin/queues`, { headers: { authorization: basic() } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<html');
    });
  });

  describe('OpenAPI', () => {
    it('serves the generated document at /docs-json and Swagger UI at /docs', async () => {
      const res = await fetch(`${api.baseUrl}/docs-json`);
      expect(res.status).toBe(200);
      const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
      expect(doc.openapi).toMatch(/^3\./);
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining(['/health/live', '/health/ready', '/admin/dashboard.json']),
      );
      expect(doc.paths['/metrics']).toBeUndefined();
      const ui = await fetch(`${api.baseUrl}/docs`);
      expect(ui.status).toBe(200);
      expect(await ui.text()).toContain('swagger');
    });

    it('lists every route of the reader and operator tables of API.md, tagged, with how to authenticate', async () => {
      // API.md, "Readers" and "Operators" tables (query strings left out, :param as {param}).
      const readers = [
        'GET /',
        'GET /forms/{newsletter}',
        'GET /privacy',
        'POST /subscriptions',
        'GET /confirm',
        'POST /confirm',
        'GET /unsubscribe',
        'POST /unsubscribe',
        'GET /preferences',
        'POST /preferences',
        'GET /issues/{id}/{slug}',
        'GET /archive/{newsletter}',
        'GET /archive/{newsletter}/feed.xml',
      ];
      const operators = [
        'POST /admin/newsletters',
        'GET /admin/newsletters',
        'PATCH /admin/newsletters/{slug}',
        'GET /admin/subscribers',
        'POST /admin/subscribers/import',
        'GET /admin/subscribers/{id}/export',
        'DELETE /admin/subscribers/{id}',
        'DELETE /admin/suppressions/{email}',
        'POST /admin/articles',
        'GET /admin/articles/{id}',
        'POST /admin/feeds',
        'GET /admin/feeds',
        'POST /admin/newsletters/{slug}/issues',
        'GET /admin/issues/{id}',
        'GET /admin/issues/{id}/preview',
        'GET /admin',
        'GET /admin/queues',
      ];
      type Operation = {
        tags?: string[];
        security?: Array<Record<string, string[]>>;
        parameters?: Array<{ in: string; name: string; required?: boolean }>;
        requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
      };
      const doc = (await (await fetch(`${api.baseUrl}/docs-json`)).json()) as {
        paths: Record<string, Record<string, Operation>>;
      };
      const operation = (route: string) => {
        const [method, path] = route.split(' ');
        return doc.paths[path]?.[method.toLowerCase()];
      };
      expect([...readers, ...operators, 'POST /webhooks/events'].filter((route) => !operation(route))).toEqual([]);

      for (const route of readers)
        expect([route, operation(route)!.tags, operation(route)!.security]).toEqual([route, ['readers'], undefined]);
      for (const route of operators) {
        const op = operation(route)!;
        expect([route, op.tags!.length, ['admin', 'ops'].includes(op.tags![0])]).toEqual([route, 1, true]);
        expect([route, op.security]).toEqual([route, expect.arrayContaining([{ bearer: [] }, { basic: [] }])]);
      }
      // Webhooks authenticate by signature: the header and the body are documented.
      const webhook = operation('POST /webhooks/events')!;
      expect(webhook.tags).toEqual(['webhooks']);
      expect(webhook.parameters).toContainEqual(
        expect.objectContaining({ in: 'header', name: 'X-Dispatch-Signature', required: true }),
      );
      expect(webhook.requestBody!.content['application/json'].schema).toMatchObject({
        oneOf: [{ $ref: expect.stringContaining('ProviderEventDto') }, { type: 'array' }],
      });
      // One tag of four on every operation of the document.
      const tags = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.tags ?? []));
      expect(tags.filter((t) => t.length !== 1 || !['readers', 'admin', 'webhooks', 'ops'].includes(t[0]))).toEqual([]);
    });
  });

  describe('GET /metrics', () => {
    it('is valid Prometheus exposition with the contract names and default process metrics', async () => {
      const families = await scrape();
      for (const [name, type] of Object.entries({
        dispatch_emails_sent_total: 'counter',
        dispatch_emails_failed_total: 'counter',
        dispatch_emails_skipped_total: 'counter',
        dispatch_queue_jobs: 'gauge',
        dispatch_jobs_completed_total: 'counter',
        dispatch_jobs_failed_total: 'counter',
        dispatch_send_duration_seconds: 'histogram',
        dispatch_subscriptions_total: 'counter',
        http_request_duration_seconds: 'histogram',
        process_cpu_seconds_total: 'counter',
        nodejs_heap_size_used_bytes: 'gauge',
      })) {
        expect({ name, type: families.get(name)?.type }).toEqual({ name, type });
      }
      expect(sampleValue(families, 'dispatch_jobs_completed_total', { queue: 'delivery' })).toBe(0);
    });

    it('counts emails recorded by another process (the worker context) per newsletter, with the send latency', async () => {
      const before = await scrape();
      expect(sampleValue(before, 'dispatch_emails_sent_total', { newsletter: 'x' })).toBeUndefined();

      const deliveryMetrics = worker.get(DeliveryMetrics);
      await deliveryMetrics.recordBatch('x', { sent: 3, failed: 1, skipped: 2 }, [0.02, 0.3, 7]);
      await deliveryMetrics.recordBatch('x', { sent: 2, failed: 0, skipped: 0 }, [0.02, 45]);
      await deliveryMetrics.recordBatch('morning-briefing', { sent: 1, failed: 0, skipped: 0 }, [0.004]);

      const after = await scrape();
      expect(sampleValue(after, 'dispatch_emails_sent_total', { newsletter: 'x' })).toBe(5);
      expect(sampleValue(after, 'dispatch_emails_failed_total', { newsletter: 'x' })).toBe(1);
      expect(sampleValue(after, 'dispatch_emails_skipped_total', { newsletter: 'x' })).toBe(2);
      expect(sampleValue(after, 'dispatch_emails_sent_total', { newsletter: 'morning-briefing' })).toBe(1);
      const [latency] = after.get('dispatch_send_duration_seconds')!.histograms;
      expect(latency.count).toBe(6);
      expect(latency.sum).toBeCloseTo(0.02 + 0.3 + 7 + 0.02 + 45 + 0.004, 6);
      expect(latency.buckets['0.005']).toBe(1);
      expect(latency.buckets['0.025']).toBe(3);
      expect(latency.buckets['10']).toBe(5);
      expect(latency.buckets['+Inf']).toBe(6);
    });

    it('reflects jobs added to the queues in dispatch_queue_jobs', async () => {
      const before = await scrape();
      expect(sampleValue(before, 'dispatch_queue_jobs', { queue: 'feeds', state: 'delayed' })).toBe(0);
      const jobs = api.app.get(JobQueue);
      // Delayed by an hour so no worker picks them up during the test.
      await jobs.add(
        'poll-feed',
        { feedId: '00000000-0000-0000-0000-000000000001' },
        { delay: 3_600_000, jobId: 'ops-a' },
      );
      await jobs.add(
        'poll-feed',
        { feedId: '00000000-0000-0000-0000-000000000002' },
        { delay: 3_600_000, jobId: 'ops-b' },
      );
      const after = await scrape();
      expect(sampleValue(after, 'dispatch_queue_jobs', { queue: 'feeds', state: 'delayed' })).toBe(2);
      expect(sampleValue(after, 'dispatch_queue_jobs', { queue: 'delivery', state: 'delayed' })).toBe(0);
    });

    it('counts completed and failed jobs reported by a worker process, per queue', async () => {
      const queue = probeWorker.get<Queue>(getQueueToken(PROBE_QUEUE));
      await queue.add('ok', { email: 'a@example.com' }, { jobId: 'probe-ok', attempts: 1 });
      await queue.add('bad', { email: 'b@example.com', fail: true }, { jobId: 'probe-bad', attempts: 1 });
      const families = await waitFor(
        async () => {
          const f = await scrape();
          const done = sampleValue(f, 'dispatch_jobs_completed_total', { queue: PROBE_QUEUE });
          const failed = sampleValue(f, 'dispatch_jobs_failed_total', { queue: PROBE_QUEUE });
          return done === 1 && failed === 1 ? f : null;
        },
        10_000,
        'job counters to move',
      );
      expect(sampleValue(families!, 'dispatch_jobs_failed_total', { queue: 'delivery' })).toBe(0);
    });

    it('derives dispatch_subscriptions_total from the consent ledger, per newsletter and action', async () => {
      const db = api.app.get(DataSource);
      const [{ id }] = await db.query(`INSERT INTO subscribers (email) VALUES ('ledger@example.com') RETURNING id`);
      for (const [action, newsletters] of [
        ['subscribe', ['x', 'y']],
        ['confirm', ['x', 'y']],
        ['unsubscribe', ['x']],
      ] as const) {
        await db.query(`INSERT INTO consent_events (subscriber_id, action, newsletters) VALUES ($1, $2, $3)`, [
          id,
          action,
          newsletters,
        ]);
      }
      const families = await scrape();
      expect(sampleValue(families, 'dispatch_subscriptions_total', { newsletter: 'x', action: 'subscribe' })).toBe(1);
      expect(sampleValue(families, 'dispatch_subscriptions_total', { newsletter: 'y', action: 'confirm' })).toBe(1);
      expect(sampleValue(families, 'dispatch_subscriptions_total', { newsletter: 'x', action: 'unsubscribe' })).toBe(1);
      expect(
        sampleValue(families, 'dispatch_subscriptions_total', { newsletter: 'y', action: 'unsubscribe' }),
      ).toBeUndefined();
    });

    it('times HTTP requests by route pattern and status, never by raw URL', async () => {
      await fetch(`${api.baseUrl}/admin/queues/api/queues`);
      await fetch(`${api.baseUrl}/health/live`);
      await fetch(`${api.baseUrl}/no-such-page?token=abc123`);
      const families = await scrape();
      const series = families.get('http_request_duration_seconds')!.histograms.map((h) => h.labels);
      expect(series).toEqual(
        expect.arrayContaining([
          { method: 'GET', route: '/admin/queues/*', status: '401' },
          { method: 'GET', route: '/health/live', status: '200' },
          { method: 'GET', route: 'unmatched', status: '404' },
        ]),
      );
      expect(JSON.stringify(series)).not.toContain('abc123');
    });
  });
});
