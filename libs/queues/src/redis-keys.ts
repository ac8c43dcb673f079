import IORedis from 'ioredis';

/**
 * Runs `onKeys` on each batch of keys matching `pattern`, scanning rather than KEYS so a
 * busy Redis is never blocked. The connection is opened for the walk and closed after it.
 */
export async function scanKeys(
  redisUrl: string,
  pattern: string,
  onKeys: (keys: string[], redis: IORedis) => Promise<unknown> | void,
): Promise<void> {
  const redis = new IORedis(redisUrl, { maxRetriesPerRequest: 3 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await onKeys(keys, redis);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * Deletes every key under `prefix:` (a QUEUE_PREFIX's queues, metrics and locks). For test
 * and benchmark environments that drop what they created, as dropDatabase does for their
 * database.
 */
export function deleteKeysUnder(redisUrl: string, prefix: string): Promise<void> {
  return scanKeys(redisUrl, `${prefix}:*`, (keys, redis) => redis.del(...keys));
}
