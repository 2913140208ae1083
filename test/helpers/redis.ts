import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, inject, vi } from 'vitest';
import { startEmbeddedRedis, type EmbeddedRedis, type EmbeddedRedisOptions } from '../../src/redis/embedded-server.js';
import { deleteKeysUnder } from '../../src/redis/delete-keys-under.js';

export { keysUnder, scanAll } from './scan.js';

/** URL of the single Redis the tests run against (see global-setup.ts). */
export function redisUrl(): string {
  return inject('redisUrl');
}

/**
 * The prefix of every key this test run writes to the single Redis, `popoto-test:<run id>:`.
 * The run fails if anything is left under it, or if anything outside it was touched
 * (test/helpers/data-guard.ts).
 */
export function runPrefix(): string {
  return inject('runPrefix');
}

/**
 * Seed nodes of the local test cluster, `host:port,...`. Only the files marked
 * `// needs: local cluster` get one (vitest.config.ts); any other file that asks fails here.
 */
export function clusterNodes(): string {
  const nodes = inject('clusterNodes') as string | undefined;
  if (nodes === undefined) {
    throw new Error('this test file uses the local cluster: mark it with a line `// needs: local cluster`');
  }
  return nodes;
}

export type TestClient = Redis | Cluster;

const clients = new Set<TestClient>();

/** A new ioredis client on the test Redis, closed after the file's tests. */
export function newRedis(): Redis {
  const client = new Redis(redisUrl(), { maxRetriesPerRequest: 3, enableAutoPipelining: true });
  clients.add(client);
  return client;
}

/** A new ioredis Cluster client on the local test cluster, closed after the file's tests. */
export function newCluster(): Cluster {
  const client = new Cluster(clusterSeeds(), { enableAutoPipelining: true });
  clients.add(client);
  return client;
}

/**
 * A client of the same kind as `like` whose every key is prefixed (ioredis `keyPrefix`): code
 * under test that writes fixed key names (models: `User:1`, `$Class:User`) stays inside the
 * test's own namespace. Closed after the file's tests.
 */
export function prefixedClient(like: TestClient, keyPrefix: string): TestClient {
  const client =
    like instanceof Cluster
      ? new Cluster(clusterSeeds(), { enableAutoPipelining: true, keyPrefix })
      : new Redis(redisUrl(), { maxRetriesPerRequest: 3, enableAutoPipelining: true, keyPrefix });
  clients.add(client);
  return client;
}

function clusterSeeds(): { host: string; port: number }[] {
  return clusterNodes()
    .split(',')
    .map((entry) => {
      const [host, port] = entry.split(':');
      return { host: host!, port: Number(port) };
    });
}

/** Both deployments every Redis-facing behaviour is tested on. */
export const targets = [
  { name: 'single Redis', create: newRedis as () => TestClient },
  { name: 'Redis Cluster (3 masters)', create: newCluster as () => TestClient },
] as const;

afterAll(async () => {
  await Promise.all([...clients].map((client) => client.quit().catch(() => client.disconnect())));
  clients.clear();
});

/**
 * A key prefix unique to the current test, under the run's prefix, e.g.
 * `popoto-test:<run id>:3f9a…:`. Keys under it are deleted after the test (`deleteKeysUnder`,
 * relative to `client`'s own keyPrefix if it has one); the data guard checks, with its own raw
 * SCAN, that nothing is left.
 */
export function useKeyPrefix(client: TestClient): () => string {
  let current: string | undefined;
  afterEach(async () => {
    if (current !== undefined) await deleteKeysUnder(current, { redis: client });
    current = undefined;
  });
  return () => (current ??= `${runPrefix()}${randomBytes(6).toString('hex')}:`);
}

/**
 * A private redis-server for the calling file's tests: started before them on a free port of
 * 127.0.0.1, stopped after them. For tests that change server state (ACL users), need a server
 * setting (`--databases 4`) or damage data on purpose: never the Redis the suite is pointed at.
 */
export function usePrivateRedis(options?: EmbeddedRedisOptions): () => EmbeddedRedis {
  let server: EmbeddedRedis | undefined;
  beforeAll(async () => {
    server = await startEmbeddedRedis(options);
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (server === undefined)
      throw new Error('usePrivateRedis: the server starts in beforeAll; call the getter in a test');
    return server;
  };
}

/**
 * What a models test on one deployment needs: a client of it, a fresh key prefix per test with
 * a client whose every key lives under it (`setup`), and record keys in the deployment's layout
 * (`k`: the model name hash-tagged on a cluster).
 */
export function useModelTarget(create: () => TestClient): {
  base: TestClient;
  k: (key: string, model: string) => string;
  setup: () => { p: string; redis: TestClient };
} {
  const base = create();
  const prefix = useKeyPrefix(base);
  const cluster = base instanceof Cluster;
  return {
    base,
    k: (key, model) => (cluster ? key.replace(model, `{${model}}`) : key),
    setup: () => {
      const p = prefix();
      return { p, redis: prefixedClient(base, p) };
    },
  };
}

/**
 * Runs `body` with a client of the test Redis that has no ioredis auto-pipelining (any batching
 * seen is then the code's own) and a key prefix of its own under the run's (deleted after).
 * `countWrites()` starts counting the client's socket writes and returns the count so far.
 */
export async function withUnpipelinedClient<T>(
  name: string,
  body: (client: Redis, countWrites: () => () => number) => Promise<T>,
): Promise<T> {
  const redis = newRedis();
  const keyPrefix = `${runPrefix()}${name}:`;
  const client = new Redis({ ...redis.options, enableAutoPipelining: false, keyPrefix });
  const spies: { mockRestore(): void }[] = [];
  try {
    return await body(client, () => {
      const stream = (client as unknown as { stream: { write: (...args: unknown[]) => boolean } }).stream;
      const write = vi.spyOn(stream, 'write');
      spies.push(write);
      return () => write.mock.calls.length;
    });
  } finally {
    for (const spy of spies) spy.mockRestore();
    client.disconnect();
    // The test's own prefix, deleted through a client without keyPrefix.
    await deleteKeysUnder(keyPrefix, { redis });
  }
}
