import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { pgPool } from '@app/database';

export interface HeldLock {
  release(): Promise<void>;
}

/**
 * One process at a time per batch, enforced by Postgres, not Redis: a Postgres session
 * advisory lock, held on a dedicated connection while the batch is sent. If Redis loses
 * the job (flush) and the reconciler re-adds it while the first run is still going, the
 * second run finds the lock taken and steps back; if the holder dies (SIGKILL), its
 * connection closes and Postgres frees the lock at once.
 */
@Injectable()
export class BatchLock {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async tryAcquire(issueId: string, batch: number): Promise<HeldLock | null> {
    const key = `digest-batch:${issueId}`;
    const client: PoolClient = await pgPool(this.db).connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>(
        `SELECT pg_try_advisory_lock(hashtext($1), $2) AS locked`,
        [key, batch],
      );
      if (!rows[0].locked) {
        client.release();
        return null;
      }
    } catch (err) {
      client.release(err as Error);
      throw err;
    }
    return {
      release: async () => {
        try {
          await client.query(`SELECT pg_advisory_unlock(hashtext($1), $2)`, [key, batch]);
          client.release();
        } catch (err) {
          // Never hand a connection that may still hold the lock back to the pool.
          client.release(err as Error);
        }
      },
    };
  }
}
