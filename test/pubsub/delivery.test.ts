// needs: local cluster
// Publisher and Subscriber on a single Redis and on a 3-master cluster: values come back as
// they were published, through channels and patterns, callbacks and `for await`, in order.
import calculateSlot from 'cluster-key-slot';
import { Cluster } from 'ioredis';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { Publisher, type SubscriberMessage } from '../../src/pubsub/index.js';
import { targets, useKeyPrefix } from '../helpers/redis.js';
import { nextMessages, readMessages, useSubscribers, within } from './helpers.js';

describe.each(targets)('pub/sub delivery on $name', ({ create }) => {
  const redis = create();
  const prefix = useKeyPrefix(redis);
  const openSubscriber = useSubscribers(redis);
  // PUBLISH counts only subscribers connected to the publishing node on a cluster (Redis semantics).
  const exactCounts = !(redis instanceof Cluster);
  /**
   * Channel names unique to the test. They share one hash tag, hence one cluster slot and one
   * publishing node, so that messages on different channels of a test also keep their order.
   */
  const channel = (name: string): string => `{${prefix()}}${name}`;

  it('round-trips MessagePack values: strings, numbers, booleans, null, arrays, objects, Dates, Buffers', async () => {
    const subscriber = openSubscriber();
    const publisher = new Publisher({ redis });
    const values: unknown[] = [
      'text',
      '',
      'ünïcødé ✓ 🎉',
      0,
      42,
      -7,
      3.25,
      2 ** 40,
      -(2 ** 33),
      true,
      false,
      null,
      [1, 'two', [3, null]],
      { id: 'u1', level: 3, tags: ['a', 'b'], profile: { joined: new Date('2021-03-04T05:06:07.890Z') } },
      new Date('2024-05-06T07:08:09.123Z'),
      Buffer.from([0, 1, 254, 255]),
    ];
    await subscriber.subscribe(channel('values'));
    const received = nextMessages(subscriber, values.length);
    const receivers: number[] = [];
    for (const value of values) receivers.push(await publisher.publish(channel('values'), value));
    const messages = await received;
    expect(messages.map((m) => m.data)).toEqual(values);
    expect(messages.every((m) => m.channel === channel('values') && !('pattern' in m) && !m.decodeError)).toBe(true);
    if (exactCounts) expect(receivers).toEqual(values.map(() => 1));
  });

  it('sends raw strings and Buffers untouched and delivers them as strings', async () => {
    const subscriber = openSubscriber<string>({ encoding: 'raw' });
    const publisher = new Publisher({ redis, encoding: 'raw' });
    const sent = ['plain text', '{"json":true}', '', 'ünïcødé', Buffer.from('from a buffer')];
    await subscriber.subscribe(channel('raw'));
    const received = nextMessages(subscriber, sent.length);
    for (const payload of sent) await publisher.publish(channel('raw'), payload);
    expect((await received).map((m) => m.data)).toEqual(sent.map(String));
    // What a non-Popoto client sees: the bytes as published.
    const plain = redis instanceof Cluster ? redis.duplicate() : redis.duplicate();
    try {
      await plain.subscribe(channel('raw-seen'));
      const seen = new Promise<string>((resolve) =>
        plain.once('message', (_channel: string, text: string) => resolve(text)),
      );
      await publisher.publish(channel('raw-seen'), 'as is');
      expect(await within(seen, 'the raw message on a plain client')).toBe('as is');
    } finally {
      plain.disconnect();
    }
  });

  it('delivers messages matching a pattern with the pattern, and twice when subscribed both ways', async () => {
    const subscriber = openSubscriber();
    const publisher = new Publisher({ redis });
    await subscriber.psubscribe(channel('news.*'), channel('sport.?'));
    await subscriber.subscribe(channel('news.tech'));
    expect(subscriber.patterns).toEqual([channel('news.*'), channel('sport.?')]);
    const received = nextMessages(subscriber, 4);
    await publisher.publish(channel('other'), 'not matched');
    await publisher.publish(channel('news.world'), { headline: 'w' });
    await publisher.publish(channel('news.tech'), { headline: 't' });
    await publisher.publish(channel('sport.x'), 'goal');
    const messages = await received;
    expect(messages.slice(0, 1)).toEqual([
      { channel: channel('news.world'), pattern: channel('news.*'), data: { headline: 'w' } },
    ]);
    // Redis sends the SUBSCRIBE copy and the PSUBSCRIBE copy of one message in no promised order.
    expect(messages.slice(1, 3)).toEqual(
      expect.arrayContaining([
        { channel: channel('news.tech'), data: { headline: 't' } },
        { channel: channel('news.tech'), pattern: channel('news.*'), data: { headline: 't' } },
      ]),
    );
    expect(messages[3]).toEqual({ channel: channel('sport.x'), pattern: channel('sport.?'), data: 'goal' });
  });

  it('gives every handler and every for-await reader every message; break stops only that reader', async () => {
    const subscriber = openSubscriber<number>();
    const publisher = new Publisher({ redis });
    await subscriber.subscribe(channel('fan-out'));
    const viaHandler = nextMessages(subscriber, 5);
    const firstReader = readMessages(subscriber, 5);
    const earlyQuitter = readMessages(subscriber, 2);
    for (let i = 0; i < 5; i++) await publisher.publish(channel('fan-out'), i);
    const expected = [0, 1, 2, 3, 4];
    expect((await viaHandler).map((m) => m.data)).toEqual(expected);
    expect((await within(firstReader, 'the first reader')).map((m) => m.data)).toEqual(expected);
    expect((await within(earlyQuitter, 'the reader that breaks')).map((m) => m.data)).toEqual([0, 1]);
  });

  it('publishMany delivers every message, in input order per channel, across the cluster', async () => {
    const p = prefix();
    // Untagged channels: on the cluster they hash to slots on different masters.
    const channels = Array.from({ length: 6 }, (_, i) => `${p}bulk:${i}`);
    if (redis instanceof Cluster) {
      expect(new Set(channels.map((c) => redis.slots[calculateSlot(c)]![0])).size).toBeGreaterThan(1);
    }
    const subscriber = openSubscriber<{ n: number }>();
    const publisher = new Publisher({ redis });
    await subscriber.subscribe(...channels);
    const entries = Array.from({ length: 1200 }, (_, n) => [channels[n % channels.length]!, { n }] as const);
    const received = nextMessages(subscriber, entries.length);
    const receivers = await publisher.publishMany(entries, { batchSize: 40 });
    expect(receivers).toHaveLength(entries.length);
    if (exactCounts) expect(receivers.every((count) => count === 1)).toBe(true);
    const byChannel = new Map<string, unknown[]>();
    for (const message of await received) {
      byChannel.set(message.channel, [...(byChannel.get(message.channel) ?? []), message.data]);
    }
    for (const name of channels) {
      expect(byChannel.get(name)).toEqual(entries.filter(([c]) => c === name).map(([, value]) => value));
    }
  });

  it('publishMany sends raw payloads with raw encoding', async () => {
    const subscriber = openSubscriber<string>({ encoding: 'raw' });
    const publisher = new Publisher({ redis, encoding: 'raw' });
    await subscriber.subscribe(channel('raw-bulk'));
    const received = nextMessages(subscriber, 3);
    await publisher.publishMany(new Map([[channel('raw-bulk'), 'only one per key in a Map']]));
    await publisher.publishMany([
      [channel('raw-bulk'), 'second'],
      [channel('raw-bulk'), Buffer.from('third')],
    ]);
    expect((await received).map((m) => m.data)).toEqual(['only one per key in a Map', 'second', 'third']);
  });

  it('stops delivering after unsubscribe and punsubscribe', async () => {
    const subscriber = openSubscriber();
    const publisher = new Publisher({ redis });
    await subscriber.subscribe(channel('a'), channel('b'), channel('c'));
    await subscriber.psubscribe(channel('x.*'));
    await subscriber.unsubscribe(channel('a'), channel('never-subscribed'));
    await subscriber.punsubscribe();
    expect(subscriber.channels).toEqual([channel('b'), channel('c')]);
    expect(subscriber.patterns).toEqual([]);
    const received = nextMessages(subscriber, 1);
    // Same slot, same publishing node: had `a` or `x.1` been delivered, they would come first.
    await publisher.publish(channel('a'), 'dropped');
    await publisher.publish(channel('x.1'), 'dropped');
    await publisher.publish(channel('b'), 'kept');
    expect(await received).toEqual([{ channel: channel('b'), data: 'kept' }]);

    await subscriber.unsubscribe();
    expect(subscriber.channels).toEqual([]);
    await subscriber.subscribe(channel('c'));
    const afterAll = nextMessages(subscriber, 1);
    await publisher.publish(channel('b'), 'dropped');
    await publisher.publish(channel('c'), 'back');
    expect(await afterAll).toEqual([{ channel: channel('c'), data: 'back' }]);
  });

  it('delivers a payload that is not MessagePack as its bytes with the decoding error', async () => {
    const subscriber = openSubscriber();
    await subscriber.subscribe(channel('mixed'));
    const received = nextMessages(subscriber, 3);
    // Raw publishes stand in for other clients; through a Publisher they leave from the same node, in order.
    const raw = new Publisher({ redis, encoding: 'raw' });
    await raw.publish(channel('mixed'), 'hello from elsewhere');
    await raw.publish(channel('mixed'), '');
    await new Publisher({ redis }).publish(channel('mixed'), 'packed');
    const [text, empty, packed] = await received;
    expect(text!.decodeError).toBeInstanceOf(Error);
    expect(text!.decodeError!.message).toMatch(/^not a MessagePack payload: /);
    expect(text!.data).toEqual(Buffer.from('hello from elsewhere'));
    expect(empty!.decodeError).toBeInstanceOf(Error);
    expect(empty!.data).toEqual(Buffer.alloc(0));
    expect(packed).toEqual({ channel: channel('mixed'), data: 'packed' });
  });
});

describe('message types', () => {
  it('narrow data to the expected type, or to the raw bytes, on decodeError', () => {
    const check = (message: SubscriberMessage<{ id: string }>): void => {
      if (message.decodeError === undefined) expectTypeOf(message.data).toEqualTypeOf<{ id: string }>();
      else expectTypeOf(message.data).toEqualTypeOf<Buffer>();
    };
    check({ channel: 'c', data: { id: '1' } });
    check({ channel: 'c', data: Buffer.from('x'), decodeError: new Error('not MessagePack') });
  });
});
