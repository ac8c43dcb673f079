import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { endPreparedPool, handleConnectionErrors, pgPool } from './pg-pool';

/**
 * Keeps a PostgreSQL restart from crashing the process (see handleConnectionErrors),
 * and closes the prepared statements' pool with the application.
 */
@Injectable()
export class ConnectionErrorListener implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Database');

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  onModuleInit(): void {
    const pool = pgPool(this.db);
    if (pool) handleConnectionErrors(pool, (message) => this.logger.warn(message));
  }

  async onApplicationShutdown(): Promise<void> {
    await endPreparedPool(this.db);
  }
}
