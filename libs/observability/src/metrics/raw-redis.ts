import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * The ioredis client behind a BullMQ queue. BullMQ 6 types it as its narrow
 * IRedisClient adapter, but the adapter is a proxy over the ioredis instance
 * built from our connection options, so every ioredis command is available.
 * Reusing it means no extra socket per process, and the connection keeps its
 * role (fail fast in the API and CLI, retry forever in the worker).
 */
export async function rawRedis(queue: Queue): Promise<Redis> {
  return (await queue.getBackend().client) as unknown as Redis;
}
