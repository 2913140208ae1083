// needs: local cluster
// A database index is where every write lands: one the server refuses must be an error,
// never a silent database 0. Against real servers of our own: one with 4 databases, and the
// local test cluster (database 0 only).
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { connect, disconnect, RedisConnectionError, setMany } from '../../src/redis/index.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded-server.js';
import { runCli } from '../helpers/child-process.js';
import { clusterNodes } from '../helpers/redis.js';

const DATABASES = 4;
const password = 'pw-not-to-be-shown';
let server: EmbeddedRedis;
let admin: Redis;

beforeAll(async () => {
  server = await startEmbeddedRedis({ args: ['--databases', String(DATABASES)] });
  admin = new Redis(server.url);
  await admin.call('ACL', 'SETUSER', 'app', 'on', `>${password}`, '~*', '+@all', '&*');
});
afterAll(async () => {
  admin?.disconnect();
  await server?.stop();
});
afterEach(async () => {
  await disconnect();
  vi.unstubAllEnvs();
});

/** Keys in every database of the private server: proof that nothing was written anywhere. */
async function keysPerDatabase(): Promise<number[]> {
  const counts: number[] = [];
  for (let db = 0; db < DATABASES; db++) {
    await admin.select(db);
    counts.push(await admin.dbsize());
  }
  await admin.select(0);
  return counts;
}

/** Settles `promise`, failing the test if it is still pending after `ms` (a hang, not a speed bound). */
async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<T | Error> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, hang]).catch((error: unknown) => error as Error);
  } finally {
    clearTimeout(timer);
  }
}

describe('a database index the server refuses', () => {
  const url = (db: number, userinfo = `app:${password}@`): string =>
    `redis://${userinfo}127.0.0.1:${server.port}/${db}`;

  it('rejects connect() with a RedisConnectionError naming the index and the reason, password masked', async () => {
    const error = await settleWithin(connect(url(9)), 5000);
    expect(error).toBeInstanceOf(RedisConnectionError);
    const { message } = error as Error;
    expect(message).toContain(`redis://app:***@127.0.0.1:${server.port}/9`);
    expect(message).toContain('refused database 9');
    expect(message).toContain('DB index is out of range');
    expect(`${message} ${(error as Error).stack}`).not.toContain(password);
    expect(await keysPerDatabase()).toEqual([0, 0, 0, 0]);
  });

  it('fails a bulk write on the shared connection (REDIS_URL) without writing anything anywhere', async () => {
    vi.stubEnv('REDIS_CLUSTER_NODES', '');
    vi.stubEnv('REDIS_URL', url(DATABASES));
    const error = await settleWithin(setMany([['should-not-exist', 'x']]), 5000);
    expect(error).toBeInstanceOf(RedisConnectionError);
    expect((error as Error).message).toContain(`refused database ${DATABASES}`);
    expect(await keysPerDatabase()).toEqual([0, 0, 0, 0]);
  });

  it('refuses a database index on a cluster node reached by URL', async () => {
    const [node] = clusterNodes().split(',');
    const error = await settleWithin(connect(`redis://${node}/1`), 5000);
    expect(error).toBeInstanceOf(RedisConnectionError);
    expect((error as Error).message).toMatch(/refused database 1 \(.*SELECT is not allowed in cluster mode/);
  });

  it('fails the next commands with a RedisConnectionError naming the index when a reconnect is refused it', async () => {
    const client = await connect(url(2));
    await client.set('before', 'yes');
    try {
      // SELECT denied from now on: the next reconnect cannot select database 2.
      await admin.call('ACL', 'SETUSER', 'app', '-select');
      await admin.call('CLIENT', 'KILL', 'USER', 'app');
      const error = await settleWithin(client.set('after', 'no'), 5000);
      expect(error).toBeInstanceOf(RedisConnectionError);
      expect((error as Error).message).toContain('refused database 2 on a reconnect');
      expect(`${(error as Error).message} ${(error as Error).stack}`).not.toContain(password);
      const bulk = await settleWithin(setMany([['bulk-after', 'no']]), 5000);
      expect(JSON.stringify(bulk, Object.getOwnPropertyNames(bulk)) + String(bulk)).toContain('refused database 2');
      // Nothing reached database 0 (or any other) meanwhile.
      expect(await keysPerDatabase()).toEqual([0, 0, 1, 0]);
    } finally {
      await admin.call('ACL', 'SETUSER', 'app', '+select');
    }
    // Allowed again: the client reconnects on its own, on database 2.
    for (let i = 0; i < 100 && client.status !== 'ready'; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await client.get('before')).toBe('yes');
    await client.del('before');
  });

  it('uses an index the server has: writes land in that database only', async () => {
    const client = await connect(url(3));
    await setMany([['in-three', 'yes']]);
    expect(await client.get('in-three')).toBe('yes');
    expect(await keysPerDatabase()).toEqual([0, 0, 0, 1]);
    await client.del('in-three');
  });
});

describe('a database index for a Redis Cluster', () => {
  const [first, ...rest] = clusterNodes().split(',');

  it('is refused before connecting, in a URL, REDIS_CLUSTER_NODES or redisOptions', async () => {
    const message = /a Redis Cluster has only database 0, got database 2 for cluster /;
    await expect(connect({ clusterNodes: [`redis://${first}/2`, ...rest] })).rejects.toThrow(RangeError);
    await expect(connect({ clusterNodes: [`redis://${first}/2`, ...rest] })).rejects.toThrow(message);
    await expect(connect({ clusterNodes: clusterNodes(), redisOptions: { db: 2 } })).rejects.toThrow(message);
    vi.stubEnv('REDIS_CLUSTER_NODES', `redis://${first}/2,${rest.join(',')}`);
    await expect(connect()).rejects.toThrow(message);
  });

  it('is accepted as database 0', async () => {
    const client = await connect({ clusterNodes: [`redis://${first}/0`, ...rest] });
    expect(await client.ping()).toBe('PONG');
  });
});

describe('popoto-ts doctor', () => {
  it('prints the database in use', async () => {
    const single = await runCli(['doctor'], { REDIS_URL: url3() });
    expect(single.code).toBe(0);
    expect(single.stdout).toMatch(/^database: 3$/m);
    expect(single.stdout).not.toContain(password);

    const cluster = await runCli(['doctor'], { REDIS_URL: '', REDIS_CLUSTER_NODES: clusterNodes() });
    expect(cluster.code).toBe(0);
    expect(cluster.stdout).toMatch(/^database: 0 \(a cluster has database 0 only\)$/m);
  });

  it('exits 1 with the redacted target when the server refuses the database', async () => {
    const refused = await runCli(['doctor'], { REDIS_URL: `redis://app:${password}@127.0.0.1:${server.port}/9` });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refused database 9');
    expect(refused.stderr + refused.stdout).not.toContain(password);
  });

  function url3(): string {
    return `redis://app:${password}@127.0.0.1:${server.port}/3`;
  }
});
