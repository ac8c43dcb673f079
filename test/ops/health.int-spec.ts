import { RunningApi, startApi } from '../helpers/api-app';
import { createTestEnv, TestEnv, waitFor } from '../helpers/test-env';
import { PrivateRedis } from '../helpers/private-services';

interface HealthBody {
  status: 'ok' | 'error';
  info?: Record<string, { status: string; [k: string]: unknown }>;
  error?: Record<string, { status: string; [k: string]: unknown }>;
  details: Record<string, { status: string; [k: string]: unknown }>;
}

describe('health probes (a private redis-server taken away and brought back)', () => {
  let redis: PrivateRedis;
  let env: TestEnv;
  let api: RunningApi;

  beforeAll(async () => {
    redis = await PrivateRedis.create();
    env = await createTestEnv('ops_health', { REDIS_URL: redis.url });
    api = await startApi();
  });
  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
    await redis?.stop();
  });

  const get = async (path: string): Promise<{ status: number; body: HealthBody }> => {
    const res = await fetch(`${api.baseUrl}${path}`);
    return { status: res.status, body: (await res.json()) as HealthBody };
  };

  it('is live and ready while PostgreSQL and Redis answer, and reports the (absent) workers', async () => {
    expect((await get('/health/live')).status).toBe(200);
    for (const path of ['/health/ready', '/health']) {
      const { status, body } = await get(path);
      expect(status).toBe(200);
      expect(body.status).toBe('ok');
      expect(body.details.database.status).toBe('up');
      expect(body.details.redis.status).toBe('up');
      // No worker runs in this suite: reported, but readiness holds (sign-ups still queue up).
      expect(body.details.workers).toMatchObject({ status: 'up', perQueue: { delivery: 0, transactional: 0 } });
      expect(String(body.details.workers.warning)).toContain('no worker connected');
    }
  });

  it('turns ready to 503 while Redis is unreachable, stays live, and recovers when Redis returns', async () => {
    await redis.stop();

    const down = await waitFor<{ status: number; body: HealthBody } | null>(
      async () => {
        const r = await get('/health/ready');
        return r.status === 503 ? r : null;
      },
      10_000,
      'ready to answer 503',
    );
    expect(down!.body.status).toBe('error');
    expect(down!.body.details.redis.status).toBe('down');
    expect(down!.body.details.database.status).toBe('up');
    expect((await get('/health')).status).toBe(503);
    expect((await get('/health/live')).status).toBe(200);

    await redis.start();

    const up = await waitFor<{ status: number; body: HealthBody } | null>(
      async () => {
        const r = await get('/health/ready');
        return r.status === 200 ? r : null;
      },
      15_000,
      'ready to answer 200 again',
    );
    expect(up!.body.details.redis.status).toBe('up');
  });
});
