import type { RedisOptions } from 'bullmq';

export type ConnectionRole = 'producer' | 'worker';

/**
 * ioredis options from a redis:// URL. Workers block on Redis and must retry
 * forever (maxRetriesPerRequest: null, as BullMQ requires); producers in the
 * API fail fast when Redis is down so a request answers 503 instead of hanging.
 */
export function redisOptions(redisUrl: string, role: ConnectionRole): RedisOptions {
  const u = new URL(redisUrl);
  const options: RedisOptions = {
    host: u.hostname || 'localhost',
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
  };
  if (role === 'worker') return { ...options, maxRetriesPerRequest: null };
  return { ...options, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 };
}
