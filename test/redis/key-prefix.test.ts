// The advice of docs/redis.md ("Sharing a Redis: keyPrefix", which the README's quick start
// follows) for an application that shares a Redis: connect with a keyPrefix, and everything
// popoto-ts writes through the shared connection (models and their indexes, bulk operations)
// lands under it, and scans and deletes see only it. On a private server, so that "everything"
// can be checked exactly.
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { defineModel, Field, KeyField, SortedField } from '../../src/models/index.js';
import { connect, deleteKeysUnder, disconnect, getMany, scanKeys, setMany } from '../../src/redis/index.js';
import { usePrivateRedis } from '../helpers/redis.js';
import { scanAll } from '../helpers/scan.js';

const server = usePrivateRedis();

afterEach(async () => {
  await disconnect();
});

describe('connect({ redisOptions: { keyPrefix } })', () => {
  it('keeps every key the library writes under the prefix, and scans and deletes only there', async () => {
    const raw = new Redis(server().url);
    try {
      await raw.set('someone-else:1', 'theirs');
      await raw.set('User:1', 'a Python service’s record');
      await connect({ url: server().url, redisOptions: { keyPrefix: 'myapp:' } });

      const User = defineModel('User', { id: KeyField(), name: Field(), level: SortedField({ type: 'int' }) });
      await User.create({ id: '1', name: 'Ann', level: 3 });
      await setMany([['cache:1', 'x']], { expire: 60 });
      expect(await getMany(['cache:1'])).toEqual(['x']);
      expect((await User.query.get({ id: '1' }))?.name).toBe('Ann');

      const written = (await scanAll(raw, '*')).filter((key) => !['someone-else:1', 'User:1'].includes(key)).sort();
      expect(written).toEqual(
        [
          'myapp:$Class:User',
          'myapp:$KeyF:User:id:1',
          'myapp:$SortF:User:level',
          'myapp:User:1',
          'myapp:cache:1',
        ].sort(),
      );
      const scanned: string[] = [];
      for await (const key of scanKeys('*')) scanned.push(key);
      expect(scanned.sort()).toEqual(
        ['$Class:User', '$KeyF:User:id:1', '$SortF:User:level', 'User:1', 'cache:1'].sort(),
      );

      expect(await deleteKeysUnder('cache:')).toBe(1);
      await (await User.query.get({ id: '1' }))!.delete();
      expect((await scanAll(raw, '*')).sort()).toEqual(['User:1', 'someone-else:1']);
      expect(await raw.get('User:1')).toBe('a Python service’s record');
    } finally {
      raw.disconnect();
    }
  });

  it('honours a keyPrefix given as a Buffer of UTF-8, and refuses one that is not UTF-8 before sending anything', async () => {
    const raw = new Redis(server().url);
    try {
      const before = (await scanAll(raw, '*')).sort();
      await connect({ url: server().url, redisOptions: { keyPrefix: Buffer.from('bufapp:') as unknown as string } });
      await setMany([['cache:1', 'x']], { expire: 60 });
      expect(await getMany(['cache:1'])).toEqual(['x']);
      expect(await raw.get('bufapp:cache:1')).toBe('x');
      const scanned: string[] = [];
      for await (const key of scanKeys('cache:*')) scanned.push(key);
      expect(scanned).toEqual(['cache:1']);
      expect(await deleteKeysUnder('cache:')).toBe(1);
      expect((await scanAll(raw, '*')).sort()).toEqual(before);
      await disconnect();

      const latin1 = Buffer.from([0xff, 0x3a]) as unknown as string;
      await expect(connect({ url: server().url, redisOptions: { keyPrefix: latin1 } })).rejects.toThrow(
        /keyPrefix is a Buffer that is not valid UTF-8/,
      );
      const given = new Redis(server().url, { keyPrefix: latin1 });
      await expect(setMany([['cache:1', 'x']], { redis: given })).rejects.toThrow(TypeError);
      given.disconnect();
      expect((await scanAll(raw, '*')).sort()).toEqual(before);
    } finally {
      raw.disconnect();
    }
  });
});
