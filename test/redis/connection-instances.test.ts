import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  connect,
  defaultConnection,
  disconnect,
  getMany,
  getRedis,
  RedisClosedError,
  RedisConnection,
  setMany,
} from '../../src/redis/index.js';
import { defineModel, Field, KeyField } from '../../src/models/index.js';
import { Publisher } from '../../src/pubsub/index.js';
import { newRedis, redisUrl, runPrefix, usePrivateRedis } from '../helpers/redis.js';
import { deleteKeysUnder } from '../../src/redis/delete-keys-under.js';

// Two connections side by side, each on its own server: the suite's Redis (A) and a private
// redis-server this file starts (B). Nothing one does may reach the other's server.
const serverB = usePrivateRedis();
const a = new RedisConnection();
const b = new RedisConnection();
const prefix = `${runPrefix()}instances:${randomBytes(4).toString('hex')}:`;

afterEach(async () => {
  await deleteKeysUnder(prefix, { redis: newRedis() });
});

afterAll(async () => {
  await a.disconnect();
  await b.disconnect();
  await disconnect();
});

/** A raw client of server B, closed after the test that asked for it. */
const rawB: Redis[] = [];
function clientOfB(): Redis {
  const client = new Redis(serverB().url, { maxRetriesPerRequest: 3 });
  rawB.push(client);
  return client;
}
afterEach(async () => {
  await Promise.all(rawB.splice(0).map((client) => client.quit()));
});

describe('RedisConnection: two instances side by side', () => {
  it('each writes to its own server, and disconnecting one leaves the other working', async () => {
    await a.connect(redisUrl());
    await b.connect(serverB().url);
    expect(a.getRedis()).not.toBe(b.getRedis());
    expect(a.connectionTarget()).not.toBe(b.connectionTarget());

    await setMany([[`${prefix}k`, 'from-a']], { redis: a });
    await setMany([[`${prefix}k`, 'from-b']], { redis: b });
    // Each server holds its own connection's write only.
    expect(await newRedis().get(`${prefix}k`)).toBe('from-a');
    expect(await clientOfB().get(`${prefix}k`)).toBe('from-b');

    // The default connection is a third, untouched by either.
    expect(defaultConnection.isConnected()).toBe(false);
    expect(() => getRedis()).toThrow(/not connected to Redis/);

    await b.disconnect();
    expect(b.isConnected()).toBe(false);
    expect(() => b.getRedis()).toThrow(RedisClosedError);
    await expect(setMany([[`${prefix}k`, 'again']], { redis: b })).rejects.toMatchObject({
      name: 'BulkOperationError',
      closed: true,
      cause: expect.any(RedisClosedError),
    });
    expect(a.isConnected()).toBe(true);
    expect(await a.getRedis().ping()).toBe('PONG');
    expect(await getMany([`${prefix}k`], { redis: a })).toEqual(['from-a']);
    // B can be opened again, on its own.
    await b.connect(serverB().url);
    expect(await b.getRedis().ping()).toBe('PONG');
  });

  it('a model and a publisher bound to instance B write to B, opening it on first use', async () => {
    const lazy = new RedisConnection();
    try {
      await lazy.connect(serverB().url);
      const name = `Inst${randomBytes(4).toString('hex')}`;
      const Item = defineModel(name, { id: KeyField(), label: Field() }, { redis: lazy });
      await Item.create({ id: '1', label: 'on b' });
      const onB = clientOfB();
      expect(await onB.exists(`${name}:1`)).toBe(1);
      // Proven writable, and not written: the suite's Redis has no such record.
      expect(await newRedis().exists(`${name}:1`)).toBe(0);
      expect((await Item.query.get({ id: '1' }))?.label).toBe('on b');

      const listener = clientOfB();
      const channel = `${prefix}channel`;
      const received = new Promise<string>((resolve) =>
        listener.on('message', (_channel, message) => resolve(message)),
      );
      await listener.subscribe(channel);
      const publisher = new Publisher({ redis: lazy, encoding: 'raw' });
      expect(await publisher.publish(channel, 'hello b')).toBe(1);
      expect(await received).toBe('hello b');
      await Item.query.get({ id: '1' }).then((item) => item?.delete());
      expect(await onB.exists(`${name}:1`)).toBe(0);
    } finally {
      await lazy.disconnect();
    }
  });

  it('the free functions are the default instance', async () => {
    const client = await connect(redisUrl());
    expect(defaultConnection.getRedis()).toBe(client);
    expect(getRedis()).toBe(client);
    await disconnect();
    expect(defaultConnection.isConnected()).toBe(false);
    expect(() => defaultConnection.getRedis()).toThrow(RedisClosedError);
  });
});
