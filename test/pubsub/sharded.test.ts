// needs: local cluster
// Sharded pub/sub (SPUBLISH / SSUBSCRIBE, Redis 7) on a single Redis and on the 3-master test
// cluster: delivery in order per channel, binary values, separation from classic channels, and
// bad input. The cluster moving under a subscription (slot moves, a failover) is in
// sharded-faults.test.ts; a server without sharded pub/sub below.
import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { publishMany, ShardedPubSubUnsupportedError } from '../../src/redis/index.js';
import { Publisher, Subscriber } from '../../src/pubsub/index.js';
import { keySlot } from '../../src/redis/key-slot.js';
import { targets, useKeyPrefix, usePrivateRedis } from '../helpers/redis.js';
import { Redis } from 'ioredis';
import { connectionsNamed, killConnectionsNamed, nextMessages, nextResubscribe, useSubscribers } from './helpers.js';

describe.each(targets)('sharded pub/sub on $name', ({ create }) => {
  const redis = create();
  const prefix = useKeyPrefix(redis);
  const openSubscriber = useSubscribers(redis);

  it('delivers values, Buffers included, in order per channel, from publish and publishMany', async () => {
    const subscriber = openSubscriber({ sharded: true });
    const publisher = new Publisher({ redis, sharded: true });
    // Untagged channels: on the cluster they hash to slots on different masters.
    const channels = Array.from({ length: 12 }, (_, i) => `${prefix()}ch${i}`);
    if (redis instanceof Cluster) {
      const owners = new Set(channels.map((c) => redis.slots[keySlot(c)]?.[0]));
      expect(owners.size).toBe(3);
    }
    await subscriber.subscribe(...channels);
    expect(subscriber.channels).toEqual(channels);
    const perChannel = 20;
    const entries = channels.flatMap((channel, c) =>
      Array.from({ length: perChannel }, (_, i) => [channel, { c, i }] as const),
    );
    const received = nextMessages(subscriber, entries.length + 2);
    const binary = Buffer.from([0, 255, 1, 128, 10, 13]);
    expect(await publisher.publish(channels[0]!, binary)).toBe(1);
    const counts = await publisher.publishMany(entries, { batchSize: 7 });
    expect(counts).toEqual(entries.map(() => 1));
    expect(await publisher.publish(channels[0]!, 'last')).toBe(1);
    // Order holds per channel. On a cluster each master delivers on its own connection, so messages of
    // channels on different masters may interleave either way, even across the awaits above.
    const messages = await received;
    for (const [c, channel] of channels.entries()) {
      const got = messages.filter((m) => m.channel === channel).map((m) => m.data);
      const sent = Array.from({ length: perChannel }, (_, i) => ({ c, i }));
      expect(got).toEqual(c === 0 ? [binary, ...sent, 'last'] : sent);
    }
  });

  it('the bulk publishMany with sharded: true sends raw payloads by SPUBLISH', async () => {
    const subscriber = openSubscriber({ sharded: true, encoding: 'raw' });
    const channels = [`${prefix()}a`, `${prefix()}b`];
    await subscriber.subscribe(...channels);
    const received = nextMessages(subscriber, 4);
    const counts = await publishMany(
      [
        [channels[0]!, 'a1'],
        [channels[1]!, 'b1'],
        [channels[0]!, 'a2'],
        [channels[1]!, 7],
      ],
      { redis, sharded: true },
    );
    expect(counts).toEqual([1, 1, 1, 1]);
    // In order per channel; the two channels' messages may interleave either way on a cluster.
    const messages = await received;
    expect(messages.filter((m) => m.channel === channels[0]).map((m) => m.data)).toEqual(['a1', 'a2']);
    expect(messages.filter((m) => m.channel === channels[1]).map((m) => m.data)).toEqual(['b1', '7']);
  });

  it('keeps sharded and classic channels apart: neither kind of subscriber sees the other kind of message', async () => {
    const channel = `${prefix()}both`;
    const sharded = openSubscriber({ sharded: true });
    const classic = openSubscriber();
    await sharded.subscribe(channel);
    await classic.subscribe(channel);
    const toSharded = nextMessages(sharded, 2);
    const toClassic = nextMessages(classic, 2);
    const shardedPublisher = new Publisher({ redis, sharded: true });
    const classicPublisher = new Publisher({ redis });
    await shardedPublisher.publish(channel, 's1');
    await classicPublisher.publish(channel, 'c1');
    await shardedPublisher.publish(channel, 's2');
    await classicPublisher.publish(channel, 'c2');
    expect((await toSharded).map((m) => m.data)).toEqual(['s1', 's2']);
    expect((await toClassic).map((m) => m.data)).toEqual(['c1', 'c2']);
  });

  it('unsubscribes: no more messages on a channel left, others still delivered', async () => {
    const subscriber = openSubscriber({ sharded: true });
    const publisher = new Publisher({ redis, sharded: true });
    const [kept, left] = [`${prefix()}kept`, `${prefix()}left`];
    await subscriber.subscribe(kept, left);
    await subscriber.unsubscribe(left);
    expect(subscriber.channels).toEqual([kept]);
    const received = nextMessages(subscriber, 1);
    expect(await publisher.publish(left, 'nobody')).toBe(0);
    expect(await publisher.publish(kept, 'somebody')).toBe(1);
    expect(await received).toEqual([{ channel: kept, data: 'somebody' }]);
    await subscriber.unsubscribe();
    expect(subscriber.channels).toEqual([]);
    expect(await publisher.publish(kept, 'nobody')).toBe(0);
  });

  it('subscribes again after the server kills its connection', async () => {
    const connectionName = `popoto-test:sharded:${randomBytes(6).toString('hex')}`;
    const subscriber = openSubscriber({ sharded: true, connectionName });
    const publisher = new Publisher({ redis, sharded: true });
    // One hash tag: one slot, so one connection on the cluster too.
    const [a, b] = [`{${prefix()}}a`, `{${prefix()}}b`];
    await subscriber.subscribe(a, b);
    const resubscribed = nextResubscribe(subscriber);
    expect(await killConnectionsNamed(redis, connectionName)).toBe(1);
    await resubscribed;
    const [after] = await connectionsNamed(redis, connectionName);
    expect(after!.fields.ssub).toBe('2');
    const received = nextMessages(subscriber, 2);
    await publisher.publish(a, 'a after kill');
    await publisher.publish(b, 'b after kill');
    expect(await received).toEqual([
      { channel: a, data: 'a after kill' },
      { channel: b, data: 'b after kill' },
    ]);
  });

  it('refuses bad input: patterns, a non-boolean sharded, bad channels', async () => {
    const subscriber = openSubscriber({ sharded: true });
    await expect(subscriber.psubscribe('news.*')).rejects.toThrow(
      new TypeError('psubscribe: a sharded Subscriber has no patterns (Redis has no sharded PSUBSCRIBE)'),
    );
    await expect(subscriber.punsubscribe()).rejects.toThrow(TypeError);
    await expect(subscriber.subscribe('')).rejects.toThrow(TypeError);
    await expect(subscriber.subscribe()).rejects.toThrow(RangeError);
    expect(() => new Subscriber({ redis, sharded: 'yes' as unknown as boolean })).toThrow(
      new TypeError("sharded must be a boolean, got 'yes'"),
    );
    expect(() => new Publisher({ redis, sharded: 1 as unknown as boolean })).toThrow(
      new TypeError('sharded must be a boolean, got 1'),
    );
    await expect(publishMany([['c', 'v']], { redis, sharded: null as unknown as boolean })).rejects.toThrow(
      new TypeError('sharded must be a boolean, got null'),
    );
  });
});

describe('sharded pub/sub on a server without it', () => {
  // A real redis-server without SPUBLISH/SSUBSCRIBE/SUNSUBSCRIBE: what a Redis 6 lacks, removed
  // with rename-command (only Redis 7 is installed here). The check asks the server which
  // commands it has, so this is the answer a Redis 6 gives.
  const server = usePrivateRedis({
    args: [
      '--rename-command',
      'SPUBLISH',
      '',
      '--rename-command',
      'SSUBSCRIBE',
      '',
      '--rename-command',
      'SUNSUBSCRIBE',
      '',
    ],
  });

  it('Publisher, publishMany and Subscriber reject with ShardedPubSubUnsupportedError before sending anything', async () => {
    const redis = new Redis(server().port, '127.0.0.1');
    const version = /^redis_version:(\S+)/m.exec(await redis.info('server'))![1]!;
    const subscriber = new Subscriber({ redis, sharded: true });
    try {
      const check = (error: unknown): void => {
        expect(error).toBeInstanceOf(ShardedPubSubUnsupportedError);
        const refusal = error as ShardedPubSubUnsupportedError;
        expect(refusal.code).toBe('ERR_POPOTO_SHARDED_PUBSUB_UNSUPPORTED');
        expect(refusal.missingCommands).toEqual(['SPUBLISH', 'SSUBSCRIBE', 'SUNSUBSCRIBE']);
        expect(refusal.serverVersion).toBe(version);
        expect(refusal.message).toBe(
          `sharded pub/sub needs Redis 7 or later: the server (redis_version ${version}) does not know ` +
            'SPUBLISH, SSUBSCRIBE, SUNSUBSCRIBE; use a Redis >= 7 with these commands enabled, or leave out sharded: true',
        );
      };
      const before = await redis.info('commandstats');
      check(await new Publisher({ redis, sharded: true }).publish('c', 'v').catch((e: unknown) => e));
      check(await new Publisher({ redis, sharded: true }).publishMany([['c', 'v']]).catch((e: unknown) => e));
      check(await publishMany([['c', 'v']], { redis, sharded: true }).catch((e: unknown) => e));
      check(await subscriber.subscribe('c').catch((e: unknown) => e));
      // Nothing fell back to classic pub/sub.
      const after = await redis.info('commandstats');
      expect(/cmdstat_publish:/.test(after)).toBe(/cmdstat_publish:/.test(before));
      expect(after).not.toMatch(/cmdstat_subscribe:/);
      // The classic kind still works on that server.
      expect(await new Publisher({ redis }).publish('c', 'v')).toBe(0);
    } finally {
      await subscriber.close();
      redis.disconnect();
    }
  });
});
