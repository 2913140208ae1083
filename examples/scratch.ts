// What the examples share: they run against your Redis (REDIS_URL, else 127.0.0.1:6379, else a
// private redis-server that popoto-ts starts and stops), so every key they write lives under one
// fresh prefix, and they delete exactly that prefix when they are done.
import { randomBytes } from 'node:crypto';
import { connect, deleteKeysUnder, disconnect, isCluster, type RedisClient } from 'popoto-ts/redis';

/** A prefix to write under, and the way to remove it. */
export interface Scratch {
  /** `popoto-example:<name>:<random>:` */
  prefix: string;
  /** A connection that puts `prefix` before every key (for models, which pick their own key names). */
  prefixed: RedisClient;
  /** Deletes every key under the prefix (deleteKeysUnder: SCAN + UNLINK), then closes the connections. */
  cleanUp: () => Promise<void>;
}

export async function openScratch(name: string): Promise<Scratch> {
  const redis = await connect();
  const prefix = `popoto-example:${name}:${randomBytes(4).toString('hex')}:`;
  const prefixed = isCluster(redis)
    ? redis.duplicate(undefined, { keyPrefix: prefix })
    : redis.duplicate({ keyPrefix: prefix });
  console.log(`writing under ${prefix} (deleted at the end)`);
  return {
    prefix,
    prefixed,
    async cleanUp() {
      const deleted = await deleteKeysUnder(prefix);
      console.log(`deleted ${deleted} keys under ${prefix}`);
      prefixed.disconnect();
      await disconnect();
    },
  };
}
