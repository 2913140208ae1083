// needs: local cluster
// The three jobs Popoto's multithreading module exists for, on a real Redis through ioredis:
// background publishes and saves, a parallel bulk query across key patterns, and many
// concurrent publishes.
import { Cluster } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { scanKeys } from '../../src/redis/index.js';
import { drainBackgroundTasks, runAllMultithreaded, startNewThread } from '../../src/concurrency/index.js';
import { deferred } from '../helpers/async.js';
import { targets, useKeyPrefix } from '../helpers/redis.js';

describe.each(targets)('the seed patterns on $name', ({ create }) => {
  const redis = create();
  const prefix = useKeyPrefix(redis);
  // On a cluster PUBLISH counts only the subscribers on the publishing node (Redis semantics).
  const exactReceiverCounts = !(redis instanceof Cluster);
  const subscribers: { disconnect(): void }[] = [];
  afterAll(() => subscribers.forEach((subscriber) => subscriber.disconnect()));

  /** A subscriber on `channel` that collects messages; resolves once the subscription is active. */
  async function subscribe(channel: string): Promise<{ messages: string[]; received(count: number): Promise<void> }> {
    const subscriber = redis instanceof Cluster ? redis.duplicate() : redis.duplicate();
    subscribers.push(subscriber);
    const messages: string[] = [];
    let waiting: { count: number; resolve: () => void } | undefined;
    subscriber.on('message', (_channel: string, message: string) => {
      messages.push(message);
      if (waiting !== undefined && messages.length >= waiting.count) waiting.resolve();
    });
    await subscriber.subscribe(channel);
    return {
      messages,
      received(count) {
        if (messages.length >= count) return Promise.resolve();
        const done = deferred();
        waiting = { count, resolve: done.resolve };
        return done.promise;
      },
    };
  }

  /** Every key matching `pattern`, by SCAN (on every master of a cluster). */
  async function scanAll(pattern: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const key of scanKeys(pattern, { redis })) keys.push(key);
    return keys;
  }

  describe('seed pattern: background work with startNewThread', () => {
    it('publishes in the background; a subscriber receives the event', async () => {
      const channel = `${prefix()}updates`;
      const subscriber = await subscribe(channel);
      const publishEvent = startNewThread((ch: string, message: string) => redis.publish(ch, message));

      expect(publishEvent(channel, 'model_saved')).toBeUndefined();
      await subscriber.received(1);
      expect(subscriber.messages).toEqual(['model_saved']);
    });

    it('saves in the background with a TTL; a read after draining sees it', async () => {
      const key = `${prefix()}user:1`;
      const saveWithTtl = startNewThread(async (k: string, value: string, ttlSeconds: number) => {
        await redis.set(k, value, 'EX', ttlSeconds);
      });

      saveWithTtl(key, 'Ann', 3600);
      expect(await redis.exists(key)).toBe(0);
      expect(await drainBackgroundTasks()).toEqual({ completed: 1, failed: 0, pending: 0 });
      expect(await redis.get(key)).toBe('Ann');
      const ttl = await redis.ttl(key);
      expect(ttl).toBeGreaterThan(3500);
      expect(ttl).toBeLessThanOrEqual(3600);
    });
  });

  describe('seed pattern: parallel bulk query across key patterns', () => {
    it('SCANs several patterns in parallel, then reads every key in parallel, in order', async () => {
      const p = prefix();
      const expected = new Map<string, string>();
      for (const kind of ['user', 'order', 'session']) {
        for (let i = 0; i < 300; i++) expected.set(`${p}${kind}:${i}`, `${kind}-${i}`);
      }
      await Promise.all([...expected].map(([key, value]) => redis.set(key, value)));
      await redis.set(`${p}other:1`, 'not matched');

      const patterns = ['user', 'order', 'session'].map((kind) => `${p}${kind}:*`);
      const keysPerPattern = await runAllMultithreaded(scanAll, patterns);
      const keys = keysPerPattern.flat();
      expect(new Set(keys)).toEqual(new Set(expected.keys()));

      const values = await runAllMultithreaded((key: string) => redis.get(key), keys);
      expect(values).toEqual(keys.map((key) => expected.get(key)));
    });
  });

  describe('seed pattern: concurrent publishing', () => {
    it('delivers all of 1000 concurrent publishes', async () => {
      const channel = `${prefix()}events`;
      const subscriber = await subscribe(channel);
      const receivers = await runAllMultithreaded(
        (i: number) => redis.publish(channel, `event-${i}`),
        Array.from({ length: 1000 }, (_, i) => i),
      );
      if (exactReceiverCounts) expect(receivers).toEqual(Array.from({ length: 1000 }, () => 1));
      await subscriber.received(1000);
      expect(new Set(subscriber.messages)).toEqual(new Set(Array.from({ length: 1000 }, (_, i) => `event-${i}`)));
    });

    it('delivers all of 1000 fire-and-forget publishes once drained', async () => {
      const channel = `${prefix()}fire-and-forget`;
      const subscriber = await subscribe(channel);
      const publishEvent = startNewThread((message: string) => redis.publish(channel, message));
      for (let i = 0; i < 1000; i++) publishEvent(`event-${i}`);
      expect(await drainBackgroundTasks()).toEqual({ completed: 1000, failed: 0, pending: 0 });
      await subscriber.received(1000);
      expect(subscriber.messages).toHaveLength(1000);
    });
  });
});
