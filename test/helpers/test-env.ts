import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropDatabase, migrate } from '@app/database';
import { deleteKeysUnder } from '@app/queues';

export interface TestEnv {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  outboxDir: string;
  adminToken: string;
  appSecret: string;
  /** Drops the suite's database, deletes its Redis keys and outbox, restores process.env. */
  cleanup(): Promise<void>;
}

const PG_BASE = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Gives a test suite its own database (migrated) and queue prefix, and points
 * process.env at them so the app modules boot against them.
 */
export async function createTestEnv(suite: string, extraEnv: Record<string, string> = {}): Promise<TestEnv> {
  const id = `${suite.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const databaseUrl = `${PG_BASE}/dispatch_test_${id}`;
  const queuePrefix = `dispatch-test-${id}`;
  const outboxDir = mkdtempSync(join(tmpdir(), `dispatch-outbox-${id}-`));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    OUTBOX_DIR: outboxDir,
    APP_SECRET: 'test-app-secret-0123456789abcdef',
    ADMIN_TOKEN: 'test-admin-token-0123456789',
    WEBHOOK_SECRET: 'test-webhook-secret-0123456789',
    PUBLIC_BASE_URL: 'http://localhost:3000',
    LOG_LEVEL: 'silent',
    SUBSCRIBE_RATE_LIMIT: '0',
    ...extraEnv,
  };
  const saved = { ...process.env };
  Object.assign(process.env, env);
  await migrate(databaseUrl);
  return {
    databaseUrl,
    redisUrl: REDIS_URL,
    queuePrefix,
    outboxDir,
    adminToken: env.ADMIN_TOKEN,
    appSecret: env.APP_SECRET,
    async cleanup() {
      await dropDatabase(databaseUrl);
      await deleteKeysUnder(REDIS_URL, queuePrefix);
      rmSync(outboxDir, { recursive: true, force: true });
      for (const key of Object.keys(env)) delete process.env[key];
      Object.assign(process.env, saved);
    },
  };
}

/** Polls until `check` returns a truthy value, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T> | T, timeoutMs = 15000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
