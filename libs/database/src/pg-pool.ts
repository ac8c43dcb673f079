import { Logger } from '@nestjs/common';
import { Pool, PoolClient, PoolConfig } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/** The pg pool under TypeORM's connection (dedicated clients, pool events). */
export function pgPool(db: DataSource): Pool {
  return (db.driver as PostgresDriver).master as Pool;
}

/** Connections for prepared statements per process: they serve short statements only. */
const PREPARED_POOL_SIZE = 10;
const preparedPools = new WeakMap<DataSource, Pool>();

/**
 * Runs a statement as a named prepared statement, for the statements run per message or
 * per sign-up. They run on a pool of their own whose sessions always reuse the one plan
 * made at the first call (plan_cache_mode = force_generic_plan): left to its default,
 * Postgres re-plans a statement that takes arrays (unnest($1::uuid[])) on every call,
 * because the plan for the actual array length always looks cheaper than the generic
 * one, and planning cost three times what executing did (measured: 0.55 against
 * 0.18 ms per send-time check). These statements are written so that the generic plan
 * is the right one: lookups by key. TypeORM's own queries keep the default. (Not for use
 * behind PgBouncer in transaction mode.)
 */
export async function preparedQuery<T>(db: DataSource, name: string, text: string, values: unknown[]): Promise<T[]> {
  return (await preparedPool(db).query({ name, text, values })).rows as T[];
}

/** Closes the prepared statements' pool of `db`, if it was opened. */
export async function endPreparedPool(db: DataSource): Promise<void> {
  const pool = preparedPools.get(db);
  preparedPools.delete(db);
  await pool?.end();
}

/**
 * Keeps a lost connection of `pool` from crashing the process. A pg client whose server
 * goes away can emit 'error' twice (the server's "terminating connection" message, then
 * the closed socket); pg-pool listens on idle clients only and for the first error, so a
 * second one would be an uncaught exception. Every client gets a listener of its own for
 * its whole life; the pool still discards the broken client and queries in flight still
 * fail (and are answered 503 or retried).
 */
export function handleConnectionErrors(pool: Pool, warn: (message: string) => void): void {
  const listen = (client: PoolClient) => client.on('error', (err: Error) => warn(`connection lost: ${err.message}`));
  // Clients opened before this call (not in the 'connect' stream below).
  for (const client of (pool as Pool & { _clients?: PoolClient[] })._clients ?? []) listen(client);
  pool.on('connect', listen);
}

function preparedPool(db: DataSource): Pool {
  let pool = preparedPools.get(db);
  if (!pool) {
    const main = pgPool(db) as Pool & { options: PoolConfig };
    pool = new Pool({
      ...main.options,
      max: PREPARED_POOL_SIZE,
      options: '-c plan_cache_mode=force_generic_plan',
      // A DataSource closed without endPreparedPool (a script, a test) must not keep the process alive.
      allowExitOnIdle: true,
    });
    const logger = new Logger('Database');
    const warn = (message: string) => logger.warn(`prepared statements: ${message}`);
    handleConnectionErrors(pool, warn);
    // TypeORM listens for its own pool's idle-client errors; this pool needs its own listener.
    pool.on('error', (err: Error) => warn(`idle connection lost: ${err.message}`));
    preparedPools.set(db, pool);
  }
  return pool;
}
