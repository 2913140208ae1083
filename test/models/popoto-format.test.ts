// Popoto's own Redis layout, byte for byte: test/fixtures/popoto-format/fixtures.json (a copy of
// the project's shared popoto-format fixtures) is what Python Popoto 0.8.3 stored for two
// models. We read every record back to the documented values, and writing the same data
// produces the same keys, sets, scores and hash bytes. (test/interop/ checks the same against
// the live Python Popoto, in both directions.)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { datetimeFromIso, defineModel, Field, KeyField, SortedField } from '../../src/models/index.js';
import { toPopotoDatetime } from '../../src/models/datetime.js';
import { newRedis, prefixedClient, useKeyPrefix } from '../helpers/redis.js';

interface FixtureKey {
  type: 'hash' | 'set' | 'zset';
  value: Record<string, string> | string[] | [string, number][];
}
const fixturesPath = fileURLToPath(new URL('../fixtures/popoto-format/fixtures.json', import.meta.url));
const fixtures = JSON.parse(readFileSync(fixturesPath, 'utf8')) as {
  popoto_version: string;
  keys: Record<string, FixtureKey>;
};

/** Ann:Lee as the README of popoto-format lists her (a Date compares by milliseconds; the microseconds ride along). */
const ANN = {
  name: 'Ann:Lee',
  team: 'red',
  age: 31,
  score: 4.5,
  tags: ['a', 'b'],
  meta: { k: 1, nested: [1, 2.5, null] },
  joined: datetimeFromIso('2024-01-02T03:04:05.000006'),
  born: new Date(Date.UTC(1993, 6, 14)),
  balance: '10.25',
  active: true,
  note: 'ünïcode ✓',
};

const base = newRedis();
const prefix = useKeyPrefix(base);

function models(redis: Redis) {
  const Person = defineModel(
    'Person',
    {
      name: KeyField(),
      team: KeyField(),
      age: SortedField({ type: 'int' }),
      score: Field({ type: 'float' }),
      tags: Field({ type: 'list', null: true }),
      meta: Field({ type: 'object', null: true }),
      joined: Field({ type: 'datetime', null: true }),
      born: Field({ type: 'date', null: true }),
      balance: Field({ type: 'decimal', null: true }),
      active: Field({ type: 'boolean', default: true }),
      note: Field({ type: 'string', null: true }),
    },
    { redis },
  );
  const Counter = defineModel('Counter', { slug: KeyField(), hits: SortedField({ type: 'float' }) }, { redis });
  return { Person, Counter };
}

/** Writes the fixture keys, as Python Popoto stored them, under the test's prefix. */
async function loadFixtures(redis: Redis): Promise<void> {
  for (const [key, { type, value }] of Object.entries(fixtures.keys)) {
    if (type === 'hash') {
      const fields = Object.entries(value as Record<string, string>).flatMap(([f, b64]) => [
        f,
        Buffer.from(b64, 'base64'),
      ]);
      await redis.hset(key, ...fields);
    } else if (type === 'set') {
      await redis.sadd(key, ...(value as string[]));
    } else {
      await redis.zadd(key, ...(value as [string, number][]).flatMap(([member, score]) => [score, member]));
    }
  }
}

/** Every key under `keyPrefix`, read back raw in the fixture's shape (hash values as base64). */
async function dump(keyPrefix: string): Promise<Record<string, FixtureKey>> {
  const out: Record<string, FixtureKey> = {};
  let cursor = '0';
  const keys: string[] = [];
  do {
    const [next, batch] = await base.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  for (const key of keys) {
    const name = key.slice(keyPrefix.length);
    const type = await base.type(key);
    if (type === 'hash') {
      const hash = await base.hgetallBuffer(key);
      out[name] = {
        type,
        value: Object.fromEntries(Object.entries(hash).map(([f, v]) => [f, v.toString('base64')])),
      };
    } else if (type === 'set') {
      out[name] = { type, value: (await base.smembers(key)).sort() };
    } else if (type === 'zset') {
      const flat = await base.zrange(key, '0', '-1', 'WITHSCORES');
      const pairs: [string, number][] = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, Number(flat[i + 1])]);
      out[name] = { type, value: pairs };
    }
  }
  return out;
}

describe(`Popoto ${fixtures.popoto_version} layout`, () => {
  it('reads every fixture record back to the values Popoto stored', async () => {
    const redis = prefixedClient(base, prefix()) as Redis;
    await loadFixtures(redis);
    const { Person, Counter } = models(redis);

    const ann = await Person.query.get({ name: 'Ann:Lee', team: 'red' });
    expect(ann?.toJSON()).toEqual(ANN);
    // The microseconds a JS Date cannot hold are kept beside it.
    expect(toPopotoDatetime(ann!.joined!)).toBe('20240102T03:04:05.000006');

    const bob = await Person.query.get({ name: 'Bob*[x]', team: 'blue' });
    expect(bob?.toJSON()).toEqual({
      name: 'Bob*[x]',
      team: 'blue',
      age: 40,
      score: -1,
      tags: null,
      meta: null,
      joined: null,
      born: null,
      balance: null,
      active: false,
      note: null,
    });
    const cy = await Person.query.get({ name: 'Cy/Dee-1', team: 'red' });
    expect(cy).toMatchObject({ name: 'Cy/Dee-1', age: 25, score: 0, tags: [], meta: {}, active: true, note: null });

    const counters = await Counter.query.getMany([{ slug: 'page-0' }, { slug: 'page-1' }, { slug: 'page-2' }]);
    expect(counters.map((c) => c?.hits)).toEqual([0, 1.5, 3]);

    // The indexes Popoto wrote serve our queries.
    expect((await Person.query.filter({ team: 'red', order_by: 'age' })).map((p) => p.name)).toEqual([
      'Cy/Dee-1',
      'Ann:Lee',
    ]);
    expect((await Person.query.filter({ age__gte: 30 })).map((p) => p.name)).toEqual(['Ann:Lee', 'Bob*[x]']);
    expect((await Person.query.filter({ name__startswith: 'Bob*' })).map((p) => p.team)).toEqual(['blue']);
    expect(await Person.query.count()).toBe(3);
    expect((await Counter.query.filter({ hits__gt: 1 })).map((c) => c.slug)).toEqual(['page-1', 'page-2']);
  });

  it('writes the same keys, index sets, scores and hash bytes for the same data', async () => {
    const keyPrefix = prefix();
    const redis = prefixedClient(base, keyPrefix) as Redis;
    const { Person, Counter } = models(redis);
    await Person.create(ANN);
    await Person.create({ name: 'Bob*[x]', team: 'blue', age: 40, score: -1.0, active: false });
    await Person.create({ name: 'Cy/Dee-1', team: 'red', age: 25, score: 0.0, tags: [], meta: {} });
    for (const [i, hits] of [0.0, 1.5, 3.0].entries()) await Counter.create({ slug: `page-${i}`, hits });

    const expected = structuredClone(fixtures.keys);
    for (const entry of Object.values(expected)) if (entry.type === 'set') (entry.value as string[]).sort();
    expect(await dump(keyPrefix)).toEqual(expected);
  });
});
