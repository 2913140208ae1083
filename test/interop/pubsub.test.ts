// Live interop: pub/sub between Popoto's Publisher/Subscriber (Python) and popoto-ts's.
import { describe, expect, it } from 'vitest';
import { Publisher, Subscriber, type SubscriberMessage } from '../../src/pubsub/index.js';
import { within } from '../pubsub/helpers.js';
import { useInterop } from './harness.js';
import { py, type PyMessage } from './python-peer.js';

const interop = useInterop();

describe('Python Popoto 0.8.3 and popoto-ts on one Redis: pub/sub (live)', () => {
  it("popoto-ts's Subscriber receives what Popoto's Publisher sends, values exact", async () => {
    const { redis, python } = interop();
    const subscriber = new Subscriber({ redis });
    try {
      const received: SubscriberMessage[] = [];
      const done = new Promise<void>((resolve) =>
        subscriber.onMessage((message) => {
          received.push(message);
          if (received.length === 3) resolve();
        }),
      );
      await subscriber.subscribe('prices', 'alerts');
      const data = { symbol: 'ACME', close: 101.25, volume: 2n ** 60n, tags: ['a', 1, null], nested: { ok: true } };
      expect(await python.call('publish', { channel: 'prices', data })).toBe(1);
      expect(await python.call('publish', { channel: 'alerts', data: { level: py.float(2), text: 'ünï ✓' } })).toBe(1);
      expect(await python.call('publish', { channel: 'prices', data: { symbol: 'ACME', close: 102 } })).toBe(1);
      await within(done, () => `3 messages from Python, got ${received.length}`);
      expect(received.map(({ channel, data }) => ({ channel, data }))).toEqual([
        { channel: 'prices', data },
        { channel: 'alerts', data: { level: 2, text: 'ünï ✓' } },
        { channel: 'prices', data: { symbol: 'ACME', close: 102 } },
      ]);
    } finally {
      await subscriber.close();
    }
  });

  it("Popoto's Subscriber receives, through its own handle(), what popoto-ts's Publisher sends", async () => {
    const { redis, python } = interop();
    await python.call('subscribe', { channels: ['orders'] });
    const publisher = new Publisher({ redis });
    expect(await publisher.publish('orders', { id: 'o1', qty: 3, price: 9.5, big: 2n ** 63n + 1n, tags: ['x'] })).toBe(
      1,
    );
    expect(await publisher.publishMany(Array.from({ length: 20 }, (_, i) => ['orders', { seq: i }] as const))).toEqual(
      Array.from({ length: 20 }, () => 1),
    );
    const messages = await python.call<PyMessage[]>('received', { count: 21, timeout_ms: 10_000 });
    expect(messages[0]).toEqual({
      channel: 'orders',
      value: { id: 'o1', qty: 3, price: 9.5, big: { $int: '9223372036854775809' }, tags: ['x'] },
      repr: "{'id': 'o1', 'qty': 3, 'price': 9.5, 'big': 9223372036854775809, 'tags': ['x']}",
    });
    expect(messages.slice(1).map((m) => m.repr)).toEqual(Array.from({ length: 20 }, (_, i) => `{'seq': ${i}}`));
  });

  it("Popoto's Subscriber does not see what a sharded Publisher sends (SPUBLISH is not PUBLISH)", async () => {
    const { redis, python } = interop();
    await python.call('subscribe', { channels: ['sharded-orders'] });
    const sharded = new Publisher({ redis, sharded: true });
    expect(await sharded.publish('sharded-orders', { seq: 'sharded' })).toBe(0);
    expect(await sharded.publishMany([['sharded-orders', { seq: 'sharded many' }]])).toEqual([0]);
    // A classic message after them: once it has arrived, anything sharded would have too.
    expect(await new Publisher({ redis }).publish('sharded-orders', { seq: 'classic' })).toBe(1);
    const messages = await python.call<PyMessage[]>('received', { count: 1, timeout_ms: 10_000 });
    expect(messages.map((m) => m.repr)).toEqual(["{'seq': 'classic'}"]);
  });
});
