// needs: local cluster
// getMany on a cluster sends each batch of a node's slots as one script (cross-slot-read.ts):
// what it reads must be what per-slot MGETs read, and a node that cannot run it gets the
// per-slot MGETs instead.
import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { getMany, keySlot, setMany } from '../../src/redis/index.js';
import { commandsSent } from '../helpers/commands-sent.js';
import { clusterNodes, newCluster, prefixedClient, useKeyPrefix } from '../helpers/redis.js';

const redis = newCluster();
const prefix = useKeyPrefix(redis);

describe('getMany across the slots of a cluster node', () => {
  it('reads each batch with one script: values in input order, as GET reads them, binary and missing ones too', async () => {
    const p = prefix();
    const keys = Array.from({ length: 1500 }, (_, i) => `${p}k${i}`);
    // Text, bytes that are not UTF-8, empty, large, and keys never written or of another type.
    const values = keys.map((_, i) =>
      i % 5 === 0
        ? randomBytes(1 + (i % 300))
        : i % 5 === 1
          ? `text ${i} é😀`
          : i % 5 === 2
            ? ''
            : i % 5 === 3
              ? 'x'.repeat(70_000)
              : undefined,
    );
    await setMany(
      keys.flatMap((key, i) => (values[i] === undefined ? [] : [[key, values[i]] as [string, string | Buffer]])),
      { redis },
    );
    const hash = keys[4]!;
    await redis.hset(hash, 'field', 'value');
    const shuffled = [...keys].reverse();
    const slotsPerNode = new Map<string, Set<number>>();
    for (const key of keys) {
      const node = redis.slots[keySlot(key)]![0]!;
      slotsPerNode.set(node, (slotsPerNode.get(node) ?? new Set()).add(keySlot(key)));
    }
    expect([...slotsPerNode.values()].every((slots) => slots.size > 100)).toBe(true);

    const { result, sent } = await commandsSent(redis, () => getMany(shuffled, { redis, batchSize: 1000 }));
    // What ioredis's GET answers, key by key: the reference.
    const expected = await Promise.all(shuffled.map((key) => (key === hash ? Promise.resolve(null) : redis.get(key))));
    expect(result).toEqual(expected);
    expect(result.filter((value) => value === null).length).toBeGreaterThan(250);
    // One script call per batch (about 500 keys per node: one batch each; a NOSCRIPT adds an EVAL), no MGET.
    expect(sent.get('mget') ?? 0).toBe(0);
    expect(sent.get('evalsha')).toBe(slotsPerNode.size);
    await redis.del(hash);
  });

  it("reads through a client's keyPrefix (keys the script gets as arguments, which ioredis does not prefix)", async () => {
    const p = prefix();
    const app = prefixedClient(redis, p) as Cluster;
    const keys = Array.from({ length: 400 }, (_, i) => `app:${i}`);
    await setMany(
      keys.map((key) => [key, `v-${key}`]),
      { redis: app },
    );
    const { result, sent } = await commandsSent(app, () => getMany(keys, { redis: app }));
    expect(result).toEqual(keys.map((key) => `v-${key}`));
    expect(sent.get('mget') ?? 0).toBe(0);
    expect(await redis.get(`${p}app:7`)).toBe('v-app:7');
  });

  it('reads through a keyPrefix set in redisOptions, which the node connections add themselves', async () => {
    const p = prefix();
    const app = new Cluster(
      clusterNodes()
        .split(',')
        .map((seed) => ({ host: seed.split(':')[0]!, port: Number(seed.split(':')[1]) })),
      { redisOptions: { keyPrefix: `${p}pre:` } },
    );
    try {
      const keys = Array.from({ length: 400 }, (_, i) => `${p}k${i}`);
      // The keys themselves hold decoys: a read that lost the prefix would find them.
      await setMany(
        keys.flatMap((key): [string, string][] => [
          [key, `decoy-${key}`],
          [`${p}pre:${key}`, `v-${key}`],
        ]),
        { redis },
      );
      const { result, sent } = await commandsSent(app, () => getMany(keys, { redis: app }));
      expect(result).toEqual(keys.map((key) => `v-${key}`));
      expect(sent.get('mget') ?? 0).toBe(0);
    } finally {
      app.disconnect();
    }
  });

  it('sends per-slot MGETs where the script may not run (an ACL without EVAL), and stops trying it there', async () => {
    const p = prefix();
    await redis.ping();
    const user = `popoto-test-noeval-${randomBytes(4).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    const masters = redis.nodes('master');
    await Promise.all(
      masters.map((node) =>
        node.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '&*', '+@all', '-eval', '-evalsha'),
      ),
    );
    const limited = new Cluster(
      clusterNodes()
        .split(',')
        .map((seed) => ({ host: seed.split(':')[0]!, port: Number(seed.split(':')[1]) })),
      { redisOptions: { username: user, password } },
    );
    try {
      const keys = Array.from({ length: 600 }, (_, i) => `${p}acl:${i}`);
      await setMany(
        keys.map((key, i) => [key, `v${i}`]),
        { redis },
      );
      const first = await commandsSent(limited, () => getMany(keys, { redis: limited }));
      expect(first.result).toEqual(keys.map((_, i) => `v${i}`));
      expect(first.sent.get('evalsha')).toBe(3);
      expect(first.sent.get('mget')).toBeGreaterThan(100);
      const second = await commandsSent(limited, () => getMany(keys, { redis: limited }));
      expect(second.result).toEqual(first.result);
      expect(second.sent.get('evalsha') ?? 0).toBe(0);
    } finally {
      limited.disconnect();
      await Promise.all(masters.map((node) => node.call('ACL', 'DELUSER', user)));
    }
  });
});
