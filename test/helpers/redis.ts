import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, inject } from 'vitest';

/** URL of the Redis the tests run against (see global-setup.ts). */
export function redisUrl(): string {
  return inject('redisUrl');
}

const clients = new Set<Redis>();

/** A new ioredis client on the test Redis, closed after the file's tests. */
export function newRedis(): Redis {
  const client = new Redis(redisUrl(), { lazyConnect: false, maxRetriesPerRequest: 3 });
  clients.add(client);
  return client;
}

afterAll(async () => {
  await Promise.all([...clients].map((client) => client.quit().catch(() => client.disconnect())));
  clients.clear();
});

/** Deletes every key under `prefix` (SCAN, never KEYS). */
export async function deleteKeysUnder(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

/**
 * A key prefix unique to the current test, e.g. `popoto-test:3f9a…:`. Keys under it are
 * deleted after the test.
 */
export function useKeyPrefix(redis: Redis): () => string {
  let current: string | undefined;
  afterEach(async () => {
    if (current !== undefined) await deleteKeysUnder(redis, current);
    current = undefined;
  });
  return () => (current ??= `popoto-test:${randomBytes(6).toString('hex')}:`);
}
