// What every interop test file needs: its own redis-server (Python Popoto cannot use a key
// prefix: it writes Order:..., $Class:Order at the top level of db 0, so it must never run
// against a Redis that holds anyone's data), a Python Popoto peer on it, a popoto-ts client
// on it, and raw dumps of what is stored.
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded-server.js';
import { PythonPopoto } from './python-peer.js';

/** One stored key, as read back raw: hash values and string as hex, sets sorted, sorted sets with their scores as Redis prints them. */
export interface RawKey {
  type: string;
  value: Record<string, string> | string[] | [string, string][] | string;
  /** Whether the key has a TTL. */
  expires: boolean;
}

/** The handles of an interop test file. */
export interface Interop {
  /** The private server's URL. */
  url: string;
  /** popoto-ts's client on the private server (auto-pipelined, no key prefix: the layout is Popoto's exactly). */
  redis: Redis;
  /** The Python Popoto peer on the private server. */
  python: PythonPopoto;
  /** Every key on the private server, raw. */
  dump(): Promise<Record<string, RawKey>>;
}

/**
 * Starts a private redis-server, the Python peer and a client for this file, stops them after
 * it, and empties the private server after each test. Use the returned getter inside tests.
 */
export function useInterop(): () => Interop {
  let server: EmbeddedRedis | undefined;
  let context: Interop | undefined;
  beforeAll(async () => {
    server = await startEmbeddedRedis();
    const redis = new Redis(server.url, { enableAutoPipelining: true });
    const python = await PythonPopoto.start(`${server.url}/0`);
    context = { url: server.url, redis, python, dump: () => dump(redis) };
  });
  afterEach(async () => {
    // Only this file's own server, which nothing else uses: every key goes.
    const { redis } = context!;
    const keys = await scan(redis);
    if (keys.length > 0) await redis.unlink(...keys);
  });
  afterAll(async () => {
    await context?.python.close();
    context?.redis.disconnect();
    await server?.stop();
  });
  return () => {
    if (context === undefined) throw new Error('useInterop: the private server is not started yet');
    return context;
  };
}

async function scan(redis: Redis): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys.sort();
}

async function dump(redis: Redis): Promise<Record<string, RawKey>> {
  const out: Record<string, RawKey> = {};
  for (const key of await scan(redis)) {
    const type = await redis.type(key);
    const expires = (await redis.pttl(key)) >= 0;
    let value: RawKey['value'];
    if (type === 'hash') {
      const hash = await redis.hgetallBuffer(key);
      value = Object.fromEntries(
        Object.entries(hash)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([field, bytes]) => [field, bytes.toString('hex')]),
      );
    } else if (type === 'set') {
      value = (await redis.smembers(key)).sort();
    } else if (type === 'zset') {
      const flat = await redis.zrange(key, '0', '-1', 'WITHSCORES');
      const pairs: [string, string][] = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
      value = pairs;
    } else {
      value = (await redis.getBuffer(key))?.toString('hex') ?? '';
    }
    out[key] = { type, value, expires };
  }
  return out;
}
