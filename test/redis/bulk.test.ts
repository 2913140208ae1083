// needs: local cluster
// Bulk operations on a single Redis and on a 3-master cluster: ordered, de-duplicated,
// never a CROSSSLOT error, and partial failures reported item by item.
import { randomBytes } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';
import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import {
  BulkOperationError,
  DEFAULT_BULK_CONCURRENCY,
  deleteKeysUnder,
  deleteMany,
  escapeGlob,
  getMany,
  publishMany,
  scanKeys,
  setMany,
} from '../../src/redis/index.js';
import { TaskError } from '../../src/utils/errors.js';
import { deferred, inFlightGauge } from '../helpers/async.js';
import {
  clusterNodes,
  prefixedClient,
  targets,
  useKeyPrefix,
  usePrivateRedis,
  type TestClient,
} from '../helpers/redis.js';

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** The master ("host:port") that serves each key, as the cluster itself reports it. */
function mastersOf(client: TestClient, keys: string[]): Set<string> {
  if (!(client instanceof Cluster)) return new Set(['single']);
  return new Set(keys.map((key) => client.slots[calculateSlot(key)]![0]!));
}

describe.each(targets)('bulk operations on $name', ({ create }) => {
  const redis = create();
  const prefix = useKeyPrefix(redis);

  describe('getMany', () => {
    it('keeps DEFAULT_BULK_CONCURRENCY (16) batches in flight, taking the masters of a cluster in turn', async () => {
      const p = prefix();
      const keys = Array.from({ length: 300 }, (_, i) => `${p}c${i}`);
      // Every command a node's connection sends, watched on the real clients that carry them.
      const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
      const gauge = inFlightGauge();
      const sentTo: string[] = [];
      // Auto-pipelining may hand one command to sendCommand twice (queued, then flushed).
      const seen = new WeakSet<object>();
      const originals = nodes.map((node) => node.sendCommand);
      nodes.forEach((node, i) => {
        node.sendCommand = function (this: Redis, ...args: Parameters<Redis['sendCommand']>) {
          const [command] = args;
          if (command.name === 'mget' && !seen.has(command)) {
            seen.add(command);
            gauge.enter();
            sentTo.push(String(node.options.port));
            void command.promise.finally(() => gauge.leave()).catch(() => undefined);
          }
          return originals[i]!.apply(this, args);
        };
      });
      try {
        expect(await getMany(keys, { redis, batchSize: 1 })).toEqual(keys.map(() => null));
      } finally {
        nodes.forEach((node, i) => (node.sendCommand = originals[i]!));
      }
      expect(DEFAULT_BULK_CONCURRENCY).toBe(16);
      expect(sentTo).toHaveLength(keys.length);
      expect(gauge.peak).toBe(DEFAULT_BULK_CONCURRENCY);
      if (redis instanceof Cluster) expect(new Set(sentTo.slice(0, 3)).size).toBe(3);
    });

    it('reads keys spread over every master in input order, null for missing ones', async () => {
      const p = prefix();
      const keys = Array.from({ length: 3000 }, (_, i) => `${p}k${i}`);
      if (redis instanceof Cluster) expect(mastersOf(redis, keys).size).toBe(3);
      await Promise.all(keys.filter((_, i) => i % 3 !== 0).map((key) => redis.set(key, `v:${key}`)));
      const shuffled = [...keys].reverse();
      const values = await getMany(shuffled, { redis, batchSize: 100 });
      expect(values).toEqual(shuffled.map((key) => (Number(key.slice(p.length + 1)) % 3 === 0 ? null : `v:${key}`)));
    });

    it('reads hash-tagged keys (one slot) and mixed keys alike', async () => {
      const p = prefix();
      const tagged = Array.from({ length: 700 }, (_, i) => `${p}{user:7}:${i}`);
      const loose = Array.from({ length: 300 }, (_, i) => `${p}loose:${i}`);
      const keys = [...loose.slice(0, 150), ...tagged, ...loose.slice(150)];
      await Promise.all(keys.map((key) => redis.set(key, key.toUpperCase())));
      expect(await getMany(keys, { redis })).toEqual(keys.map((key) => key.toUpperCase()));
    });

    it('accepts any iterable and returns [] for none', async () => {
      const p = prefix();
      await redis.set(`${p}a`, '1');
      expect(await getMany(new Set([`${p}a`, `${p}b`]), { redis })).toEqual(['1', null]);
      expect(await getMany([], { redis })).toEqual([]);
    });
  });

  it('groups by the slot of the key actually sent when the client has a keyPrefix', async () => {
    const p = prefix();
    const prefixed = prefixedClient(redis, p);
    const keys = Array.from({ length: 300 }, (_, i) => `k${i}`);
    await setMany(
      keys.map((key) => [key, `v-${key}`] as const),
      { redis: prefixed },
    );
    expect(await getMany(keys, { redis: prefixed })).toEqual(keys.map((key) => `v-${key}`));
    expect(await redis.get(`${p}k7`)).toBe('v-k7');
    expect(await deleteMany(keys, { redis: prefixed })).toBe(300);
  });

  describe('setMany', () => {
    it('writes pairs, Maps and objects over every master; values may be strings, numbers, Buffers', async () => {
      const p = prefix();
      const pairs = Array.from({ length: 2000 }, (_, i) => [`${p}s${i}`, `value-${i}`] as const);
      await setMany(pairs, { redis, batchSize: 128 });
      expect(await Promise.all(pairs.map(([key]) => redis.get(key)))).toEqual(pairs.map(([, v]) => v));

      await setMany(
        new Map<string, string | number | Buffer>([
          [`${p}n`, 42],
          [`${p}b`, Buffer.from('bytes')],
        ]),
        { redis },
      );
      await setMany({ [`${p}o1`]: 'x', [`${p}{t}o2`]: 'y' }, { redis });
      expect([await redis.get(`${p}n`), await redis.get(`${p}b`)]).toEqual(['42', 'bytes']);
      expect([await redis.get(`${p}o1`), await redis.get(`${p}{t}o2`)]).toEqual(['x', 'y']);
    });

    it('sets a TTL in seconds, or in milliseconds for a fraction', async () => {
      const p = prefix();
      const keys = Array.from({ length: 600 }, (_, i) => `${p}ttl${i}`);
      await setMany(
        keys.map((key) => [key, 'v'] as const),
        { redis, expire: 3600 },
      );
      const ttls = await Promise.all(keys.map((key) => redis.ttl(key)));
      expect(ttls.every((ttl) => ttl > 3590 && ttl <= 3600)).toBe(true);
      await setMany([[`${p}short`, 'v']], { redis, expire: 2.5 });
      const pttl = await redis.pttl(`${p}short`);
      expect(pttl).toBeGreaterThan(2000);
      expect(pttl).toBeLessThanOrEqual(2500);
    });
  });

  describe('deleteMany', () => {
    it('deletes keys over every master and counts those that existed', async () => {
      const p = prefix();
      const keys = Array.from({ length: 1500 }, (_, i) => `${p}d${i}`);
      await Promise.all(keys.slice(0, 1000).map((key) => redis.set(key, '1')));
      expect(await deleteMany(keys, { redis })).toBe(1000);
      expect(await getMany(keys, { redis })).toEqual(keys.map(() => null));
      expect(await deleteMany([], { redis })).toBe(0);
    });
  });

  describe('deleteKeysUnder', () => {
    it('deletes every key under the prefix (taken literally) over every master, nothing else, and counts them', async () => {
      const p = prefix();
      const under = `${p}job*7:`;
      const keys = [under.slice(0, -1), ...Array.from({ length: 2500 }, (_, i) => `${under}${i}`)];
      const others = [`${p}jobX7:1`, `${p}job*8:1`, `${p}job*7`, `${p}other`];
      await setMany(
        [...keys, ...others].map((key) => [key, '1'] as const),
        { redis },
      );
      await redis.hset(`${under}hash`, 'f', 'v');
      if (redis instanceof Cluster) expect(mastersOf(redis, keys).size).toBe(3);
      // batchSize 50: UNLINKs go out 1000 keys at a time while the scan goes on.
      expect(await deleteKeysUnder(under, { redis, batchSize: 50, count: 100 })).toBe(2501);
      expect(await collect(scanKeys(`${escapeGlob(under)}*`, { redis }))).toEqual([]);
      expect(await getMany(others, { redis })).toEqual(others.map(() => '1'));
      expect(await deleteKeysUnder(under, { redis })).toBe(0);
    });

    it("honours the client's keyPrefix: the prefix is relative to it", async () => {
      const p = prefix();
      const app = prefixedClient(redis, `${p}app:`);
      await setMany(
        [
          [`${p}app:tmp:1`, '1'],
          [`${p}app:tmp:2`, '1'],
          [`${p}app:keep`, '1'],
          [`${p}other:tmp:1`, '1'],
          [`${p}tmp:1`, '1'],
        ],
        { redis },
      );
      expect(await deleteKeysUnder('tmp:', { redis: app })).toBe(2);
      expect(await getMany([`${p}app:tmp:1`, `${p}app:tmp:2`], { redis })).toEqual([null, null]);
      expect(await getMany([`${p}app:keep`, `${p}other:tmp:1`, `${p}tmp:1`], { redis })).toEqual(['1', '1', '1']);
    });
  });

  describe('publishMany', () => {
    it('publishes every message and returns receiver counts in input order', async () => {
      // On a cluster PUBLISH counts only the subscribers on the publishing node (Redis semantics).
      const exactCounts = !(redis instanceof Cluster);
      const p = prefix();
      const subscriber = redis instanceof Cluster ? redis.duplicate() : redis.duplicate();
      const received: string[] = [];
      const all = deferred();
      subscriber.on('message', (_channel: string, message: string) => {
        received.push(message);
        if (received.length === 1000) all.resolve();
      });
      await subscriber.subscribe(`${p}watched`);
      try {
        const entries = Array.from(
          { length: 2000 },
          (_, i) => [i % 2 === 0 ? `${p}watched` : `${p}nobody`, `m${i}`] as [string, string],
        );
        const receivers = await publishMany(entries, { redis, batchSize: 64 });
        if (exactCounts) expect(receivers).toEqual(entries.map((_, i) => (i % 2 === 0 ? 1 : 0)));
        else expect(receivers.every((n, i) => n === 0 || (n === 1 && i % 2 === 0))).toBe(true);
        await all.promise;
        expect(received).toEqual(entries.filter((_, i) => i % 2 === 0).map(([, m]) => m));
      } finally {
        subscriber.disconnect();
      }
    });
  });

  describe('scanKeys', () => {
    it('finds every key of several overlapping patterns across all masters, each once', async () => {
      const p = prefix();
      const users = Array.from({ length: 800 }, (_, i) => `${p}user:${i}`);
      const orders = Array.from({ length: 400 }, (_, i) => `${p}order:${i}`);
      await setMany(
        [...users, ...orders, `${p}other`].map((key) => [key, '1'] as const),
        { redis },
      );
      if (redis instanceof Cluster) expect(mastersOf(redis, users).size).toBe(3);
      const found = await collect(scanKeys([`${p}user:*`, `${p}order:*`, `${p}user:1*`], { redis, count: 50 }));
      expect(found).toHaveLength(users.length + orders.length);
      expect(new Set(found)).toEqual(new Set([...users, ...orders]));
    });

    it('scans a literal hash tag on its own slot and still finds every key', async () => {
      const p = prefix();
      const tagged = Array.from({ length: 300 }, (_, i) => `${p}{acct:9}:${i}`);
      await setMany(
        tagged.map((key) => [key, '1'] as const),
        { redis },
      );
      expect(new Set(await collect(scanKeys(`${p}{acct:9}:*`, { redis })))).toEqual(new Set(tagged));
    });

    it('filters by type', async () => {
      const p = prefix();
      await redis.set(`${p}str`, '1');
      await redis.hset(`${p}hash`, 'f', '1');
      expect(await collect(scanKeys(`${p}*`, { redis, type: 'hash' }))).toEqual([`${p}hash`]);
    });

    it('matches user text literally through escapeGlob', async () => {
      const p = prefix();
      const odd = 'a*b?[c]\\d';
      await setMany(
        [
          [`${p}${odd}`, '1'],
          [`${p}aXXb?[c]\\d`, '1'],
          [`${p}a*bZc\\d`, '1'],
        ],
        { redis },
      );
      expect(await collect(scanKeys(`${p}${escapeGlob(odd)}`, { redis }))).toEqual([`${p}${odd}`]);
    });

    it("honours the client's keyPrefix: scans only under it, yields keys without it, as getMany takes them", async () => {
      const p = prefix();
      // Glob characters in the prefix are taken literally: `a*p:` must not match `aXp:`.
      const app = prefixedClient(redis, `${p}a*p:`);
      await setMany(
        [
          [`${p}a*p:user:1`, 'mine 1'],
          [`${p}a*p:user:2`, 'mine 2'],
          [`${p}a*p:order:1`, 'not a user'],
          [`${p}aXp:user:1`, 'theirs'],
          [`${p}other:user:1`, 'theirs too'],
        ],
        { redis },
      );
      const found = (await collect(scanKeys('*user:*', { redis: app }))).sort();
      expect(found).toEqual(['user:1', 'user:2']);
      expect(await getMany(found, { redis: app })).toEqual(['mine 1', 'mine 2']);
      expect(await deleteMany(found, { redis: app })).toBe(2);
      expect(await collect(scanKeys('*', { redis: app }))).toEqual(['order:1']);
      expect(await redis.get(`${p}aXp:user:1`)).toBe('theirs');

      // A hash tag in the prefix puts every key in one slot (scanned on its master alone on a cluster).
      const tagged = prefixedClient(redis, `${p}{acct:9}:`);
      const names = Array.from({ length: 200 }, (_, i) => `item:${i}`);
      await setMany(
        names.map((name) => [name, name] as const),
        { redis: tagged },
      );
      const items = await collect(scanKeys(['item:*', 'item:1*'], { redis: tagged, count: 20 }));
      expect(items).toHaveLength(names.length);
      expect(new Set(items)).toEqual(new Set(names));
      expect(await getMany(names, { redis: tagged })).toEqual(names);
    });

    it('stops scanning on break, and throws signal.reason on abort', async () => {
      const p = prefix();
      await setMany(
        Array.from({ length: 2000 }, (_, i) => [`${p}x${i}`, '1'] as const),
        { redis },
      );
      let seen = 0;
      for await (const _key of scanKeys(`${p}*`, { redis, count: 10 })) {
        if (++seen === 5) break;
      }
      expect(seen).toBe(5);

      const controller = new AbortController();
      const reason = new Error('enough scanning');
      const run = async (): Promise<void> => {
        for await (const _key of scanKeys(`${p}*`, { redis, count: 10, signal: controller.signal })) {
          controller.abort(reason);
        }
      };
      await expect(run()).rejects.toBe(reason);
    });
  });

  describe('aborting a bulk write', () => {
    it('waits for the batches already sent, then names exactly the items it did not write', async () => {
      const p = prefix();
      const entries = Array.from({ length: 3000 }, (_, i) => [`${p}a${i}`, String(i)] as [string, string]);
      const controller = new AbortController();
      const reason = new Error('stop the restore');
      const writing = setMany(entries, { redis, batchSize: 10, concurrency: 1, signal: controller.signal });
      while ((await redis.exists(entries[0]![0])) === 0) await new Promise((resolve) => setImmediate(resolve));
      controller.abort(reason);
      const error = (await writing.catch((e: unknown) => e)) as BulkOperationError;
      expect(error).toBeInstanceOf(BulkOperationError);
      expect(error.cause).toBe(reason);
      const failed = new Set(error.failedIndexes);
      expect(failed.size).toBeGreaterThan(0);
      expect(failed.size).toBeLessThan(entries.length);
      const stored = await getMany(
        entries.map(([key]) => key),
        { redis },
      );
      stored.forEach((value, i) => expect(value === null).toBe(failed.has(i)));
    });
  });

  describe('partial failures', () => {
    // The restricted ACL user is server state: on a single Redis it is created on a private
    // server (never on the suite's Redis); the test cluster is private already.
    const server = usePrivateRedis();

    it('writes what it may and names exactly the items that failed', async () => {
      const p = prefix();
      const user = `popoto-test-${randomBytes(4).toString('hex')}`;
      const password = randomBytes(12).toString('hex');
      const home: TestClient =
        redis instanceof Cluster ? redis : new Redis(server().url, { enableAutoPipelining: true });
      const nodes = home instanceof Cluster ? home.nodes('master') : [home];
      // A user that may only write keys under `${p}ok:`: every other key fails with NOPERM.
      await Promise.all(
        nodes.map((node) => node.call('ACL', 'SETUSER', user, 'on', `>${password}`, `~${p}ok:*`, '+@all', '&*')),
      );
      const restricted =
        redis instanceof Cluster
          ? new Cluster(
              clusterNodes()
                .split(',')
                .map((node) => ({ host: node.split(':')[0]!, port: Number(node.split(':')[1]) })),
              { redisOptions: { username: user, password } },
            )
          : new Redis({ ...home.options, username: user, password, enableAutoPipelining: true });
      try {
        const entries = Array.from(
          { length: 300 },
          (_, i) => [i % 7 === 0 ? `${p}denied:${i}` : `${p}ok:${i}`, String(i)] as [string, string],
        );
        const error = await setMany(entries, { redis: restricted, expire: 60, batchSize: 50 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(BulkOperationError);
        const expectedFailures = entries.map((_, i) => i).filter((i) => i % 7 === 0);
        expect((error as BulkOperationError).failedIndexes).toEqual(expectedFailures);
        expect((error as BulkOperationError).errors.every((e: TaskError) => /NOPERM/.test(String(e.cause)))).toBe(true);
        expect((error as BulkOperationError).message).toMatch(
          /^setMany: 43 of 300 items not confirmed \(first: task 0 failed: /,
        );
        const written = await getMany(
          entries.map(([key]) => key),
          { redis: home },
        );
        expect(written).toEqual(entries.map(([, value], i) => (i % 7 === 0 ? null : value)));
      } finally {
        restricted.disconnect();
        await Promise.all(nodes.map((node) => node.call('ACL', 'DELUSER', user)));
        if (home !== redis) home.disconnect();
      }
    });
  });
});

describe('bad input', () => {
  const redis = targets[0].create();

  it('names non-string keys, empty patterns, bad expiries and malformed entries', async () => {
    await expect(getMany(['a', 5 as never], { redis })).rejects.toThrow(
      new TypeError('keys[1] must be a string, got 5'),
    );
    await expect(getMany('abc' as never, { redis })).rejects.toThrow(
      new TypeError("keys must be an iterable (an array, say), got 'abc'"),
    );
    await expect(deleteMany([null as never], { redis })).rejects.toThrow(
      new TypeError('keys[0] must be a string, got null'),
    );
    expect(() => scanKeys([], { redis })).toThrow(new RangeError('patterns must hold at least one pattern, got none'));
    expect(() => scanKeys('', { redis })).toThrow(
      new RangeError("patterns[0] must not be empty (use '*' for every key)"),
    );
    expect(() => scanKeys(['a*', 3 as never], { redis })).toThrow(new TypeError('patterns[1] must be a string, got 3'));
    expect(() => scanKeys('a*', { redis, count: 0 })).toThrow(new RangeError('count must be an integer >= 1, got 0'));
    const expireRule = 'expire must be a number of seconds > 0 and at most 9007199254740991 (Number.MAX_SAFE_INTEGER)';
    await expect(setMany([['k', 'v']], { redis, expire: -5 })).rejects.toThrow(new RangeError(`${expireRule}, got -5`));
    await expect(setMany([['k', 'v']], { redis, expire: 0 })).rejects.toThrow(new RangeError(`${expireRule}, got 0`));
    await expect(setMany([['k', 'v']], { redis, expire: 9.2e15 })).rejects.toThrow(
      new RangeError(`${expireRule}, got 9200000000000000`),
    );
    await expect(setMany([['k', 'v']], { redis, expire: '60' as never })).rejects.toThrow(
      new TypeError(`${expireRule}, got '60'`),
    );
    await expect(setMany([['k']] as never, { redis })).rejects.toThrow(
      new TypeError("entries[0] must be a [key, value] pair, got [ 'k' ]"),
    );
    await expect(setMany([['k', { a: 1 }]] as never, { redis })).rejects.toThrow(
      new TypeError('entries[0][1] (value) must be a string, Buffer or finite number, got { a: 1 }'),
    );
    await expect(publishMany([[7, 'm']] as never, { redis })).rejects.toThrow(
      new TypeError('entries[0][0] (channel) must be a string, got 7'),
    );
    await expect(getMany(['a'], { redis, batchSize: 0 })).rejects.toThrow(
      new RangeError('batchSize must be an integer >= 1, got 0'),
    );
    await expect(getMany(['a'], { redis: {} as never })).rejects.toThrow(
      new TypeError(
        'redis must be an ioredis (5 or 6) Redis or Cluster client, got an object (not shown: it may hold a password)',
      ),
    );
    expect(() => escapeGlob(5 as never)).toThrow(new TypeError('text must be a string, got 5'));
    // A misspelt option must not be ignored (a TTL would silently be lost).
    await expect(setMany([['k', 'v']], { redis, expiry: 10 } as never)).rejects.toThrow(
      new TypeError('options has no option "expiry" (known: redis, signal, batchSize, concurrency, retries)'),
    );
    await expect(getMany(['k'], { redis, batch: 5 } as never)).rejects.toThrow(/options has no option "batch"/);
    expect(() => scanKeys('x*', { redis, cnt: 5 } as never)).toThrow(
      new TypeError('options has no option "cnt" (known: count, type, signal, redis)'),
    );
    // An empty prefix would be every key.
    await expect(deleteKeysUnder('', { redis })).rejects.toThrow(
      new RangeError('prefix must not be empty (that would delete every key)'),
    );
    await expect(deleteKeysUnder(5 as never, { redis })).rejects.toThrow(
      new TypeError('prefix must be a string, got 5'),
    );
    await expect(deleteKeysUnder('x:', { redis, count: 0 })).rejects.toThrow(
      new RangeError('count must be an integer >= 1, got 0'),
    );
    await expect(deleteKeysUnder('x:', { redis, expire: 5 } as never)).rejects.toThrow(
      /options has no option "expire" \(known: count, redis, signal, batchSize, concurrency, retries\)/,
    );
  });

  it('says the connection is closed when the given client has quit', async () => {
    const closed = targets[0].create();
    await closed.quit();
    // The one bulk failure type, saying the connection is closed.
    await expect(getMany(['a'], { redis: closed })).rejects.toMatchObject({
      name: 'BulkOperationError',
      closed: true,
      message: expect.stringContaining('connection is closed'),
    });
    await expect(setMany([['a', '1']], { redis: closed })).rejects.toMatchObject({
      name: 'BulkOperationError',
      closed: true,
    });
    // Sharded publishing checks the server first: a closed connection found there fails the same way.
    await expect(publishMany([['c', 'm']], { redis: closed, sharded: true })).rejects.toMatchObject({
      name: 'BulkOperationError',
      closed: true,
      failedIndexes: [0],
    });
  });
});

describe('deleteKeysUnder, pass after pass', () => {
  const redis = targets[0].create() as Redis;
  const prefix = useKeyPrefix(redis);

  /**
   * Ten keys under a fresh prefix, and `redis` as seen by deleteKeysUnder with a writer still at
   * work: `write(n)` runs right after its n-th UNLINK is answered (10 keys fit in one SCAN reply,
   * so the first pass has scanned by then).
   */
  async function withWriter(write: (p: string, n: number) => Promise<unknown>): Promise<{ p: string; client: Redis }> {
    const p = prefix();
    await setMany(
      Array.from({ length: 10 }, (_, i) => [`${p}${i}`, '1'] as const),
      { redis },
    );
    const unlink = redis.unlink.bind(redis);
    let n = 0;
    const client = Object.assign(Object.create(redis) as Redis, {
      unlink: async (...keys: string[]) => {
        const removed = await unlink(...keys);
        await write(p, n++);
        return removed;
      },
    });
    return { p, client };
  }

  it('catches a write that lands after its first pass, in the next pass', async () => {
    const { p, client } = await withWriter((p, n) => (n === 0 ? redis.set(`${p}late`, '1') : Promise.resolve()));
    expect(await deleteKeysUnder(p, { redis: client })).toBe(11);
    expect(await collect(scanKeys(`${escapeGlob(p)}*`, { redis }))).toEqual([]);
  });

  it('failing midway, says on the error how many keys it had deleted', async () => {
    const p = prefix();
    await setMany(
      Array.from({ length: 10 }, (_, i) => [`${p}${i}`, '1'] as const),
      { redis },
    );
    const unlink = redis.unlink.bind(redis);
    let calls = 0;
    const client = Object.assign(Object.create(redis) as Redis, {
      unlink: async (...keys: string[]) => {
        if (calls++ > 0) return redis.call('UNLINK'); // Redis refuses it: wrong number of arguments
        const removed = await unlink(...keys);
        await redis.set(`${p}late`, '1'); // found by the second pass, whose UNLINK fails
        return removed;
      },
    });
    const error = await deleteKeysUnder(p, { redis: client }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BulkOperationError);
    expect((error as { deleted?: number }).deleted).toBe(10);
    expect(await collect(scanKeys(`${escapeGlob(p)}*`, { redis }))).toEqual([`${p}late`]);
    await redis.del(`${p}late`);
  });

  it('gives up after 20 passes on a prefix that keeps being written to, with the count so far', async () => {
    // A writer that never stops: one new key after every UNLINK.
    const { p, client } = await withWriter((p, n) => redis.set(`${p}again:${n}`, '1'));
    // Pass 1 deletes the 10, passes 2 to 20 one new key each.
    expect(await deleteKeysUnder(p, { redis: client })).toBe(29);
    expect(await collect(scanKeys(`${escapeGlob(p)}*`, { redis }))).toEqual([`${p}again:19`]);
  });
});

describe('getMany and auto-pipelining (single Redis)', () => {
  const redis = targets[0].create() as Redis;
  const prefix = useKeyPrefix(redis);

  it('sends its MGETs without auto-pipelines: no pipeline is made for them', async () => {
    const p = prefix();
    const keys = Array.from({ length: 2000 }, (_, i) => `${p}${i}`);
    await setMany(
      keys.map((key) => [key, key]),
      { redis },
    );
    expect(redis.options.enableAutoPipelining).toBe(true);
    const pipeline = redis.pipeline.bind(redis);
    let pipelines = 0;
    redis.pipeline = (...args: Parameters<Redis['pipeline']>) => {
      pipelines++;
      return pipeline(...args);
    };
    try {
      // The check proves it could see one: an auto-pipelined command makes a pipeline.
      await redis.get(keys[0]!);
      expect(pipelines).toBe(1);
      expect(await getMany(keys, { redis, batchSize: 100 })).toEqual(keys);
    } finally {
      redis.pipeline = pipeline;
    }
    expect(pipelines).toBe(1);
  });

  it('keeps the order of commands called before it in the same tick: it reads what they wrote', async () => {
    const p = prefix();
    const keys = Array.from({ length: 50 }, (_, i) => `${p}${i}`);
    for (let round = 0; round < 5; round++) {
      const writes = keys.map((key) => redis.set(key, `${round}`));
      const read = getMany(keys, { redis, batchSize: 10 });
      expect(redis.autoPipelineQueueSize).toBeGreaterThan(0);
      expect(await read).toEqual(keys.map(() => `${round}`));
      await Promise.all(writes);
    }
  });
});
