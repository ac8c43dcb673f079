import IORedis from 'ioredis';

/**
 * Deletes every key under `prefix:` (a QUEUE_PREFIX's queues, metrics and locks), scanning
 * rather than KEYS so a busy Redis is never blocked. For test and benchmark environments
 * that drop what they created, as dropDatabase does for their database.
 */
export async function deleteKeysUnder(redisUrl: string, prefix: string): Promise<void> {
  const redis = new IORedis(redisUrl, { maxRetriesPerRequest: 3 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
