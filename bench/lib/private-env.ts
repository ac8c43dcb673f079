import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { dropDatabase, migrate } from '@app/database';
import { deleteKeysUnder, scanKeys } from '@app/queues';

const PG_BASE = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const ADMIN_TOKEN = 'bench-admin-token-0123456789';

/** One benchmark's own database and Redis key prefix, created and migrated, dropped by cleanup(). */
export interface PrivateEnv {
  databaseUrl: string;
  queuePrefix: string;
  /** Environment for the API and worker processes. */
  env: Record<string, string>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  cleanup(): Promise<void>;
}

const open = new Set<PrivateEnv>();

export async function createPrivateEnv(name: string, extraEnv: Record<string, string> = {}): Promise<PrivateEnv> {
  const id = `${name}_${randomBytes(4).toString('hex')}`;
  const databaseUrl = `${PG_BASE}/dispatch_bench_${id}`;
  const queuePrefix = `dispatch-bench-${id}`;
  const outboxDir = mkdtempSync(join(tmpdir(), `dispatch-bench-outbox-`));
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    PORT: '0',
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    OUTBOX_DIR: outboxDir,
    APP_SECRET: 'bench-app-secret-0123456789abcdef',
    ADMIN_TOKEN,
    WEBHOOK_SECRET: 'bench-webhook-secret-0123456789',
    PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
    LOG_LEVEL: 'warn',
    SUBSCRIBE_RATE_LIMIT: '0',
    ...extraEnv,
  };
  await migrate(databaseUrl);
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  let cleaned = false;
  const penv: PrivateEnv = {
    databaseUrl,
    queuePrefix,
    env,
    query: async <T>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as T[],
    async cleanup() {
      if (cleaned) return;
      cleaned = true;
      open.delete(penv);
      await client.end().catch(() => undefined);
      await dropDatabase(databaseUrl);
      await deleteKeysUnder(REDIS_URL, queuePrefix);
      rmSync(outboxDir, { recursive: true, force: true });
    },
  };
  open.add(penv);
  return penv;
}

/** Drops whatever private environments are still open (error paths). */
export async function cleanupAllEnvs(): Promise<void> {
  for (const penv of [...open]) await penv.cleanup().catch(() => undefined);
}

/** Key prefixes (the part before the first ':') of the keys matching `pattern`. */
export async function redisPrefixes(pattern: string): Promise<Set<string>> {
  const prefixes = new Set<string>();
  await scanKeys(REDIS_URL, pattern, (keys) => {
    for (const key of keys) prefixes.add(key.slice(0, key.indexOf(':')));
  });
  return prefixes;
}
