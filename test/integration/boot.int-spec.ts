import { DataSource } from 'typeorm';
import { preparedQuery } from '@app/database';
import { createTestEnv, TestEnv } from '../helpers/test-env';
import { RunningApi, startApi } from '../helpers/api-app';

describe('API boot (real PostgreSQL and Redis)', () => {
  let env: TestEnv;
  let api: RunningApi;

  beforeAll(async () => {
    env = await createTestEnv('boot');
    api = await startApi();
  });
  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  it('runs against a migrated database of its own', async () => {
    const ds = api.app.get(DataSource);
    const rows = await ds.query(`SELECT count(*)::int AS n FROM newsletters`);
    expect(rows[0].n).toBe(0);
    expect(ds.options.database ?? (ds.options as { url?: string }).url).toContain('dispatch_test_boot');
  });

  it('plans its prepared statements once per connection, and leaves TypeORM queries to the default', async () => {
    // Per message and per sign-up: re-planning them on every call cost Postgres three times the execution.
    const ds = api.app.get(DataSource);
    const [prepared] = await preparedQuery<{ plan_cache_mode: string }>(
      ds,
      'boot-plan-mode',
      'SHOW plan_cache_mode',
      [],
    );
    expect(prepared.plan_cache_mode).toBe('force_generic_plan');
    const [orm] = (await ds.query('SHOW plan_cache_mode')) as Array<{ plan_cache_mode: string }>;
    expect(orm.plan_cache_mode).toBe('auto');
  });

  it('answers malformed JSON with a 400 naming the body', async () => {
    const res = await fetch(`${api.baseUrl}/anything`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email": ',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ statusCode: 400, errors: [{ field: 'body' }] });
  });
});
