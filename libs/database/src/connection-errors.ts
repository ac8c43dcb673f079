import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { pgPool } from './pg-pool';

/**
 * Keeps a PostgreSQL restart from crashing the process. A pg client whose server goes
 * away can emit 'error' twice (the server's "terminating connection" message, then the
 * closed socket); TypeORM removes its listener after the first, and pg-pool has none on
 * a checked-out client, so the second would be an uncaught exception. Every client gets
 * a listener of its own for its whole life; the pool still discards the broken client
 * and queries in flight still fail (and are answered 503 or retried).
 */
@Injectable()
export class ConnectionErrorListener implements OnModuleInit {
  private readonly logger = new Logger('Database');

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  onModuleInit(): void {
    const pool = pgPool(this.db) as (Pool & { _clients?: PoolClient[] }) | undefined;
    if (!pool) return;
    const listen = (client: PoolClient) =>
      client.on('error', (err: Error) => this.logger.warn(`connection lost: ${err.message}`));
    // Clients opened while TypeORM initialised (not in the 'connect' stream below).
    for (const client of pool._clients ?? []) listen(client);
    pool.on('connect', listen);
  }
}
