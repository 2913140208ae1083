// needs: local cluster
// A Subscriber's life on a single Redis and on a 3-master cluster: it survives the server
// killing its connection, failing handlers and slow readers, and close() ends everything.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Publisher, Subscriber, SubscriberOverflowError } from '../../src/pubsub/index.js';
import { drainBackgroundTasks, onBackgroundError } from '../../src/concurrency/background.js';
import { runPrefix, targets, useKeyPrefix } from '../helpers/redis.js';
import { startEmbeddedRedis } from '../../src/redis/embedded-server.js';
import { outcomeOf, settleWithin } from '../helpers/async.js';
import { connect, disconnect, RedisUnavailableError } from '../../src/redis/index.js';
import {
  connectionsNamed,
  killConnectionsNamed,
  nextMessages,
  nextResubscribe,
  readMessages,
  useSubscribers,
  within,
} from './helpers.js';

describe.each(targets)('subscriber lifecycle on $name', ({ create }) => {
  const redis = create();
  const prefix = useKeyPrefix(redis);
  const openSubscriber = useSubscribers(redis);
  /** Channel names unique to the test, in one cluster slot so that they keep their relative order. */
  const channel = (name: string): string => `{${prefix()}}${name}`;

  it('resubscribes to every channel and pattern after the server kills its connection', async () => {
    // A name of its own, so that the test finds (and kills) this subscriber's connection only.
    const connectionName = `popoto-test:subscriber:${randomBytes(6).toString('hex')}`;
    const subscriber = openSubscriber({ connectionName });
    const publisher = new Publisher({ redis });
    await subscriber.subscribe(channel('a'), channel('b'));
    await subscriber.psubscribe(channel('p.*'));
    const errors: unknown[] = [];
    subscriber.onError((error) => errors.push(error));

    for (let round = 1; round <= 2; round++) {
      const before = await connectionsNamed(redis, connectionName);
      expect(before).toHaveLength(1);
      const resubscribed = nextResubscribe(subscriber);
      // On the cluster this is CLIENT KILL ID on whichever master the subscriber picked.
      expect(await killConnectionsNamed(redis, connectionName)).toBe(1);
      await resubscribed;

      const [after] = await connectionsNamed(redis, connectionName);
      expect(after!.fields.id).not.toBe(before[0]!.fields.id);
      expect([after!.fields.sub, after!.fields.psub]).toEqual(['2', '1']);
      expect(subscriber.channels).toEqual([channel('a'), channel('b')]);
      expect(subscriber.patterns).toEqual([channel('p.*')]);

      const received = nextMessages(subscriber, 3);
      await publisher.publish(channel('a'), `a after kill ${round}`);
      await publisher.publish(channel('b'), `b after kill ${round}`);
      await publisher.publish(channel('p.1'), `p after kill ${round}`);
      expect(await received).toEqual([
        { channel: channel('a'), data: `a after kill ${round}` },
        { channel: channel('b'), data: `b after kill ${round}` },
        { channel: channel('p.1'), pattern: channel('p.*'), data: `p after kill ${round}` },
      ]);
    }
    // The server closing the socket is an ordinary drop, not an error worth reporting.
    expect(errors).toEqual([]);
  });

  it('keeps delivering when a handler throws or rejects, and reports those as background errors', async () => {
    const reported: { error: unknown; name: string }[] = [];
    const stopListening = onBackgroundError((error, task) => reported.push({ error, name: task.name }));
    try {
      const subscriber = openSubscriber<number>();
      await subscriber.subscribe(channel('faulty'));
      let syncCalls = 0;
      subscriber.onMessage(() => {
        syncCalls++;
        throw new Error('handler broke');
      });
      subscriber.onMessage(async () => {
        await Promise.resolve();
        throw new Error('async handler broke');
      });
      const received = nextMessages(subscriber, 3);
      const read = readMessages(subscriber, 3);
      const publisher = new Publisher({ redis });
      for (let i = 1; i <= 3; i++) await publisher.publish(channel('faulty'), i);
      expect((await received).map((m) => m.data)).toEqual([1, 2, 3]);
      expect((await within(read, 'the for-await reader')).map((m) => m.data)).toEqual([1, 2, 3]);
      expect(syncCalls).toBe(3);
      await drainBackgroundTasks();
      const messages = reported.map(({ error }) => (error as Error).message).sort();
      expect(messages).toEqual([...Array(3).fill('async handler broke'), ...Array(3).fill('handler broke')]);
      expect(
        reported.every(({ name }) => name === `Subscriber.onMessage handler for channel "${channel('faulty')}"`),
      ).toBe(true);
    } finally {
      stopListening();
    }
  });

  it('close() ends a pending for await after the messages it held, and is idempotent', async () => {
    const subscriber = openSubscriber<string>();
    await subscriber.subscribe(channel('closing'));
    const read: unknown[] = [];
    const reading = (async () => {
      for await (const message of subscriber) read.push(message.data);
    })();
    const received = nextMessages(subscriber, 2);
    const publisher = new Publisher({ redis });
    await publisher.publish(channel('closing'), 'one');
    await publisher.publish(channel('closing'), 'two');
    await received;

    const closing = subscriber.close();
    expect(subscriber.close()).toBe(closing);
    await closing;
    await within(reading, 'the for-await loop to end');
    expect(read).toEqual(['one', 'two']);
    expect(subscriber.closed).toBe(true);
    expect(await readMessages(subscriber, 1)).toEqual([]);
    await expect(subscriber.subscribe(channel('closing'))).rejects.toMatchObject({
      name: 'RedisClosedError',
      message: 'the subscriber is closed (close() was called)',
    });
    await expect(subscriber.unsubscribe()).rejects.toMatchObject({ name: 'RedisClosedError' });
  });

  it('close() before any subscribe opens nothing', async () => {
    // The probe sees a subscriber's connection once it subscribes: an empty answer below means something.
    const seenName = `popoto-test:used:${randomBytes(6).toString('hex')}`;
    const seen = openSubscriber({ connectionName: seenName });
    await seen.subscribe(channel('probe'));
    expect((await connectionsNamed(redis, seenName)).length).toBeGreaterThan(0);

    const connectionName = `popoto-test:unused:${randomBytes(6).toString('hex')}`;
    const subscriber = new Subscriber({ redis, connectionName });
    await subscriber.unsubscribe();
    await subscriber.close();
    expect(await connectionsNamed(redis, connectionName)).toEqual([]);
  });

  it('cuts off a reader that falls bufferSize messages behind, without affecting handlers', async () => {
    const subscriber = openSubscriber<number>({ bufferSize: 5 });
    await subscriber.subscribe(channel('flood'));
    const slowReader = subscriber[Symbol.asyncIterator]();
    const received = nextMessages(subscriber, 20);
    await new Publisher({ redis }).publishMany(Array.from({ length: 20 }, (_, i) => [channel('flood'), i] as const));
    expect((await received).map((m) => m.data)).toEqual(Array.from({ length: 20 }, (_, i) => i));

    const read: unknown[] = [];
    const reading = (async () => {
      for await (const message of slowReader) read.push(message.data);
    })();
    const error = await reading.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SubscriberOverflowError);
    expect(error).toMatchObject({ bufferSize: 5, message: expect.stringContaining('raise bufferSize') });
    expect(read).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('await using a Subscriber', () => {
  it('closes it when the scope ends: its connection is gone, its readers end', async () => {
    const redis = targets[0].create();
    const connectionName = `popoto-test:subscriber:${randomBytes(6).toString('hex')}`;
    let reading: Promise<unknown[]> | undefined;
    let subscriber: Subscriber | undefined;
    {
      await using events = new Subscriber({ redis, connectionName });
      subscriber = events;
      await events.subscribe(`${runPrefix()}dispose`);
      expect(await connectionsNamed(redis, connectionName)).toHaveLength(1);
      reading = readMessages(events, 1);
    }
    expect(subscriber.closed).toBe(true);
    expect(await reading).toEqual([]);
    expect(await connectionsNamed(redis, connectionName)).toHaveLength(0);
  });
});

describe('a subscriber while Redis is down', () => {
  it('fails subscribe() within timeoutMs with a RedisUnavailableError, and subscribes once Redis is back', async () => {
    const server = await startEmbeddedRedis();
    const port = server.port;
    await connect({ url: server.url, timeoutMs: 1000 });
    const subscriber = new Subscriber({ encoding: 'raw' });
    try {
      await subscriber.subscribe('before');
      await server.stop();
      const outcome = await settleWithin(outcomeOf(subscriber.subscribe('during')), 1000 + 2000);
      expect(outcome).toMatchObject({ settled: true, value: { ok: false } });
      expect((outcome as { value: { error: unknown } }).value.error).toBeInstanceOf(RedisUnavailableError);
      // Back on the same port: the request held meanwhile takes effect with the resubscription.
      const resubscribed = nextResubscribe(subscriber);
      const again = await startEmbeddedRedis({ port });
      try {
        await within(resubscribed, 'the resubscription after the restart');
        expect(subscriber.channels.sort()).toEqual(['before', 'during']);
      } finally {
        await subscriber.close();
        await disconnect();
        await again.stop();
      }
    } finally {
      await subscriber.close();
      await disconnect();
      await server.stop();
    }
  });
});
