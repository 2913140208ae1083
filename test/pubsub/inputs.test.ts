// needs: local cluster
// Bad arguments fail at the call, before anything is sent, naming the parameter and the value.
import { describe, expect, it } from 'vitest';
import { Publisher, Subscriber } from '../../src/pubsub/index.js';
import { targets } from '../helpers/redis.js';

describe('pub/sub bad input', () => {
  const redis = targets[0].create();

  it('names bad Publisher options', () => {
    expect(() => new Publisher({ encoding: 'json' as never })).toThrow(
      new RangeError("encoding must be 'msgpack' or 'raw', got 'json'"),
    );
    expect(() => new Publisher({ encoding: 5 as never })).toThrow(
      new TypeError("encoding must be 'msgpack' or 'raw', got 5"),
    );
    expect(() => new Publisher({ redis: {} as never })).toThrow(
      new TypeError(
        'redis must be an ioredis (5 or 6) Redis or Cluster client, got an object (not shown: it may hold a password)',
      ),
    );
    expect(() => new Publisher({ encodng: 'raw' } as never)).toThrow(
      new TypeError('options has no option "encodng" (known: redis, encoding, sharded)'),
    );
    expect(() => new Publisher('raw' as never)).toThrow(new TypeError("options must be an object, got 'raw'"));
  });

  it('names bad channels and values of publish', async () => {
    const publisher = new Publisher({ redis });
    await expect(publisher.publish(5 as never, 'x')).rejects.toThrow(
      new TypeError('channel must be a non-empty string, got 5'),
    );
    await expect(publisher.publish('', 'x')).rejects.toThrow(
      new TypeError("channel must be a non-empty string, got ''"),
    );
    await expect(new Publisher({ redis, encoding: 'raw' }).publish('c', 5)).rejects.toThrow(
      new TypeError("value must be a string or Buffer with encoding 'raw', got 5"),
    );
    await expect(publisher.publish('c', function notData() {})).rejects.toThrow(
      new TypeError('value must be MessagePack-encodable (a function is not), got function notData'),
    );
    await expect(publisher.publish('c', { user: { ids: [1, new Map()] } })).rejects.toThrow(
      new TypeError(
        'value.user.ids[1] must be MessagePack-encodable (a Map is not: use a plain object or an array), got Map(0) {}',
      ),
    );
    await expect(publisher.publish('c', { count: 2n ** 64n })).rejects.toThrow(
      new TypeError(
        'value.count must be MessagePack-encodable (a bigint beyond -2^63..2^64-1 is not), got 18446744073709551616n',
      ),
    );
    await expect(publisher.publish('c', { when: new Date(Number.NaN) })).rejects.toThrow(
      new TypeError('value.when must be MessagePack-encodable (an invalid Date is not), got Invalid Date'),
    );
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    await expect(publisher.publish('c', cyclic)).rejects.toThrow(
      new TypeError('value.self must be MessagePack-encodable (a circular reference is not)'),
    );
  });

  it('names bad entries and options of publishMany, before sending any', async () => {
    const publisher = new Publisher({ redis });
    await expect(publisher.publishMany('abc' as never)).rejects.toThrow(
      new TypeError("entries must be an iterable of [channel, value] pairs, got 'abc'"),
    );
    await expect(
      publisher.publishMany([
        ['ok', 1],
        [7, 'm'],
      ] as never),
    ).rejects.toThrow(new TypeError('entries[1][0] (channel) must be a non-empty string, got 7'));
    await expect(publisher.publishMany([['c']] as never)).rejects.toThrow(
      new TypeError("entries[0] must be a [channel, value] pair, got [ 'c' ]"),
    );
    await expect(new Publisher({ redis, encoding: 'raw' }).publishMany([['c', { a: 1 }]])).rejects.toThrow(
      new TypeError("entries[0][1] (value) must be a string or Buffer with encoding 'raw', got { a: 1 }"),
    );
    await expect(publisher.publishMany([['c', 1]], { redis } as never)).rejects.toThrow(
      new TypeError('options has no option "redis" (known: signal, batchSize, concurrency)'),
    );
    await expect(publisher.publishMany([['c', 1]], { batchSize: 0 })).rejects.toThrow(
      new RangeError('batchSize must be an integer >= 1, got 0'),
    );
  });

  it('names bad Subscriber options and arguments', async () => {
    expect(() => new Subscriber({ bufferSize: 0 })).toThrow(
      new RangeError('bufferSize must be an integer >= 1 or Infinity, got 0'),
    );
    expect(() => new Subscriber({ connectionName: 'has a space' })).toThrow(
      new TypeError(
        "connectionName must be a non-empty string of printable characters without spaces, got 'has a space'",
      ),
    );
    expect(() => new Subscriber({ encoding: 'text' as never })).toThrow(
      new RangeError("encoding must be 'msgpack' or 'raw', got 'text'"),
    );
    expect(() => new Subscriber({ redis: 'redis://x' as never })).toThrow(
      new TypeError(
        'redis must be an ioredis (5 or 6) Redis or Cluster client, got a string (not shown: it may hold a password)',
      ),
    );
    const subscriber = new Subscriber({ redis });
    try {
      await expect(subscriber.subscribe()).rejects.toThrow(
        new RangeError('channels must hold at least one channel, got none'),
      );
      await expect(subscriber.subscribe('a', 5 as never)).rejects.toThrow(
        new TypeError('channels[1] must be a non-empty string, got 5'),
      );
      await expect(subscriber.psubscribe('')).rejects.toThrow(
        new TypeError("patterns[0] must be a non-empty string, got ''"),
      );
      await expect(subscriber.psubscribe()).rejects.toThrow(
        new RangeError('patterns must hold at least one pattern, got none'),
      );
      await expect(subscriber.unsubscribe(null as never)).rejects.toThrow(
        new TypeError('channels[0] must be a non-empty string, got null'),
      );
      expect(() => subscriber.onMessage('log' as never)).toThrow(
        new TypeError("handler must be a function, got 'log'"),
      );
      expect(() => subscriber.onResubscribe(undefined as never)).toThrow(
        new TypeError('handler must be a function, got undefined'),
      );
      // Nothing above was worth a connection.
      expect(subscriber.channels).toEqual([]);
    } finally {
      await subscriber.close();
    }
  });
});
