// Every model script goes through RedisScript: EVALSHA, and EVAL when the server does not know
// the script. SCRIPT FLUSH empties the server's script cache, so it runs on a private
// redis-server of this file (the shared test Redis holds other people's scripts).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineModel, Field, KeyField, SortedField } from '../../src/models/index.js';
import { metaOf } from '../../src/models/model.js';
import { removeEntriesOfMissingRecords } from '../../src/models/stale-entries.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded-server.js';

let server: EmbeddedRedis;
let redis: Redis;

beforeAll(async () => {
  server = await startEmbeddedRedis();
  redis = new Redis(server.url, { enableAutoPipelining: true });
});

afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

describe('model scripts', () => {
  it('save, get, getMany, filter, delete and index cleaning work on a server that lost its scripts', async () => {
    const User = defineModel('User', { id: KeyField(), name: Field(), level: SortedField({ type: 'int' }) }, { redis });
    const flush = () => redis.script('FLUSH');
    await flush();
    await Promise.all(Array.from({ length: 50 }, (_, i) => User.create({ id: String(i), name: `u${i}`, level: i })));
    await flush();
    const users = await Promise.all(Array.from({ length: 50 }, (_, i) => User.query.get({ id: String(i) })));
    expect(users.map((u) => u?.level)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    await flush();
    expect((await User.query.getMany([{ id: '3' }, { id: 'none' }])).map((u) => u?.name ?? null)).toEqual(['u3', null]);
    await flush();
    expect((await User.query.filter({ level__gte: 48 })).map((u) => u.id)).toEqual(['48', '49']);
    await flush();
    expect(await users[0]!.delete()).toBe(true);
    await redis.del('User:1');
    await flush();
    await removeEntriesOfMissingRecords(redis, metaOf(User), ['User:1', 'User:2']);
    expect(await redis.sismember('$Class:User', 'User:1')).toBe(0);
    expect(await redis.sismember('$Class:User', 'User:2')).toBe(1);
    expect(await User.query.count()).toBe(48);
  });
});
