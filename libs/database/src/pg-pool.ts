import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/** The pg pool under TypeORM's connection (dedicated clients, pool events, prepared statements). */
export function pgPool(db: DataSource): Pool {
  return (db.driver as PostgresDriver).master as Pool;
}

/**
 * Runs a statement as a named prepared statement straight on the pool: each connection
 * parses and plans it once instead of on every call. For the statements run per message
 * or per sign-up, where planning cost Postgres as much as executing. (Not for use behind
 * PgBouncer in transaction mode.)
 */
export async function preparedQuery<T>(db: DataSource, name: string, text: string, values: unknown[]): Promise<T[]> {
  return (await pgPool(db).query({ name, text, values })).rows as T[];
}
