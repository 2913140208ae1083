// The three jobs Popoto's multithreading module exists for, on a real Redis through ioredis:
// background publishes and saves, a parallel bulk query across key patterns, and many
// concurrent publishes.
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { drainBackgroundTasks, runAllMultithreaded, startNewThread } from '../../src/utils/multithreading.js';
import { deferred } from '../helpers/async.js';
import { newRedis, useKeyPrefix } from '../helpers/redis.js';

const redis = newRedis();
const prefix = useKeyPrefix(redis);

/** A subscriber on `channel` that collects messages; resolves once the subscription is active. */
async function subscribe(channel: string): Promise<{ messages: string[]; received(count: number): Promise<void> }> {
  const subscriber = newRedis();
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

/** Every key matching `pattern`, by SCAN. */
async function scanAll(client: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
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
    const pipeline = redis.pipeline();
    for (const kind of ['user', 'order', 'session']) {
      for (let i = 0; i < 300; i++) {
        const key = `${p}${kind}:${i}`;
        expected.set(key, `${kind}-${i}`);
        pipeline.set(key, `${kind}-${i}`);
      }
    }
    pipeline.set(`${p}other:1`, 'not matched');
    await pipeline.exec();

    const patterns = ['user', 'order', 'session'].map((kind) => `${p}${kind}:*`);
    const keysPerPattern = await runAllMultithreaded((pattern: string) => scanAll(redis, pattern), patterns);
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
    expect(receivers).toEqual(Array.from({ length: 1000 }, () => 1));
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
