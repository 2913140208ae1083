// Live interop: GeoField (Popoto's tuple wrapper, GEOADD to $GeoF, radius filters with Popoto's
// parameters) and Relationship (the related key in the hash, $RelationshipF sets, related records
// loaded in batches, filter by the related instance, re-pointing, what a deleted owner leaves).
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ModelValidationError, Relationship } from '../../src/models/index.js';
import { useInterop } from './harness.js';
import { interopModels } from './models.js';
import { py, type PyRecord } from './python-peer.js';

const interop = useInterop();

const PLACES = [
  { name: 'paris', latitude: 48.8566, longitude: 2.3522 },
  { name: 'versailles', latitude: 48.8049, longitude: 2.1204 },
  { name: 'london', latitude: 51.5074, longitude: -0.1278 },
];
const placeForTs = ({ name, latitude, longitude }: (typeof PLACES)[number]) => ({ name, loc: { latitude, longitude } });
const placeForPython = ({ name, latitude, longitude }: (typeof PLACES)[number]) => ({
  name,
  loc: py.tuple(latitude, longitude),
});
const keysOf = (records: PyRecord[]): string[] => records.map((r) => r.key).sort();

/**
 * The commands clients sent the private server since the last call (INFO commandstats, then
 * CONFIG RESETSTAT): every command but these two, and the HMGETs the read script runs inside
 * Redis (one per record, within one script call per batch).
 */
async function commandsSent(redis: Redis): Promise<number> {
  const stats = await redis.info('commandstats');
  await redis.config('RESETSTAT');
  return [...stats.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)]
    .filter(([, name]) => !['info', 'config', 'hmget'].includes(name!))
    .reduce((sum, [, , calls]) => sum + Number(calls), 0);
}

describe('Python Popoto 0.8.3 and popoto-ts on one Redis: GeoField and Relationship (live)', () => {
  it('GeoField: the same bytes and geo set from each side; radius filters with Popoto’s parameters give the same answers', async () => {
    const { redis, python, dump } = interop();
    const { Place } = interopModels(redis);
    for (const p of PLACES) await python.create('Place', placeForPython(p));
    await python.create('Place', { name: 'nowhere' });
    const byPython = await dump();
    await redis.unlink(...Object.keys(byPython));
    for (const p of PLACES) await Place.create(placeForTs(p));
    await Place.create({ name: 'nowhere', loc: null });
    const byTs = await dump();
    expect(byTs).toEqual(byPython);
    expect((byTs['$GeoF:Place:loc']!.value as string[][]).map(([member]) => member)).toHaveLength(3);

    const center = { latitude: 48.85, longitude: 2.35 };
    const cases: [Parameters<typeof Place.query.keys>[0], Record<string, unknown>, string[]][] = [
      [{ loc: center, loc_radius: 30, loc_radius_unit: 'km' }, { loc: py.tuple(48.85, 2.35), loc_radius: 30, loc_radius_unit: 'km' }, ['Place:paris', 'Place:versailles']],
      [{ loc: center, loc_radius: 2, loc_radius_unit: 'km' }, { loc: py.tuple(48.85, 2.35), loc_radius: 2, loc_radius_unit: 'km' }, ['Place:paris']],
      [{ loc: center, loc_radius: 400, loc_radius_unit: 'mi' }, { loc: py.tuple(48.85, 2.35), loc_radius: 400, loc_radius_unit: 'mi' }, ['Place:london', 'Place:paris', 'Place:versailles']],
      [{ loc: center, loc_radius: 30, loc_radius_unit: 'km', name__in: ['versailles', 'london'] }, { loc: py.tuple(48.85, 2.35), loc_radius: 30, loc_radius_unit: 'km', name__in: ['versailles', 'london'] }, ['Place:versailles']],
    ]; // prettier-ignore
    for (const [ts, python_, expected] of cases) {
      expect((await Place.query.keys(ts)).sort()).toEqual(expected);
      expect(keysOf(await python.filter('Place', python_))).toEqual(expected);
    }
    const paris = (await Place.query.get({ name: 'paris' }))!;
    expect(paris.loc!.latitude).toBe(48.8566);
    expect((await Place.query.get({ name: 'nowhere' }))!.loc).toBeNull();
    expect((await python.get('Place', { name: 'paris' }))!.repr.loc).toBe('(48.8566, 2.3522)');

    const error = await Place.create({ name: 'pole', loc: { latitude: 89, longitude: 0 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelValidationError);
    expect((error as ModelValidationError).message).toMatch(/^Place\.loc must be an object \{ latitude, longitude \}/);
    await expect(Place.query.keys({ loc: center, loc_radius_unit: 'yd' } as never)).rejects.toThrow(
      "Place.query loc_radius_unit must be one of m, km, ft, mi, got 'yd'",
    );

    // A coordinate of exactly 0: Popoto refuses it (and cannot load it), so popoto-ts refuses it too.
    await expect(python.create('Place', { name: 'py', loc: py.tuple(py.float(0), py.float(1.5)) })).rejects.toThrow(
      /ModelException: Could not instantiate/,
    );
    await expect(Place.create({ name: 'island', loc: { latitude: 0, longitude: 1.5 } })).rejects.toThrow(
      /^Place\.loc must be a point off the equator and the prime meridian/,
    );
    expect(await redis.exists('Place:island')).toBe(0);

    // Deletes from either side, and a move to null, leave nothing in the geo set.
    paris.loc = null;
    await paris.save();
    expect(
      keysOf(await python.filter('Place', { loc: py.tuple(48.85, 2.35), loc_radius: 2, loc_radius_unit: 'km' })),
    ).toEqual([]);
    await python.delete('Place', 'Place:versailles');
    await (await Place.query.get({ name: 'london' }))!.delete();
    expect(await redis.zrange('$GeoF:Place:loc', 0, -1)).toEqual([]);
  });

  it('Relationship: the same bytes and $RelationshipF sets from each side; each side loads the related record', async () => {
    const { redis, python, dump } = interop();
    const { Owner, Pet } = interopModels(redis);
    await python.create('Owner', { oid: 'o-1', name: 'Ann' });
    await python.create('Pet', { pid: 'p1', owner: { $ref: 'Owner:o/-1' }, kind: 'cat' });
    await python.create('Pet', { pid: 'p2', kind: 'stray' });
    const byPython = await dump();
    await redis.unlink(...Object.keys(byPython));
    const ann = await Owner.create({ oid: 'o-1', name: 'Ann' });
    await Pet.create({ pid: 'p1', owner: ann, kind: 'cat' });
    await Pet.create({ pid: 'p2', owner: null, kind: 'stray' });
    expect(await dump()).toEqual(byPython);
    expect(byPython['$RelationshipF:Pet:owner:Owner:o/-1']?.value).toEqual(['Pet:p1']);

    const cat = (await Pet.query.get({ pid: 'p1' }))!;
    expect(cat.owner?.name).toBe('Ann');
    expect((await python.get('Pet', { pid: 'p1' }))!.values.owner).toEqual({ $ref: 'Owner:o/-1' });
    expect((await Pet.query.filter({ owner: ann })).map((p) => p.pid)).toEqual(['p1']);
    expect(keysOf(await python.filter('Pet', { owner: { $ref: 'Owner:o/-1' } }))).toEqual(['Pet:p1']);
    expect(
      (await Pet.query.all({ values: ['pid', 'owner'], order_by: 'pid' })).map((p) => p.owner?.oid ?? null),
    ).toEqual(['o-1', null]);

    // Re-pointing moves the index entry: Python sees the pet only under its new owner.
    const bob = await Owner.create({ oid: 'bob', name: 'Bob' });
    cat.owner = bob;
    await cat.save();
    expect(keysOf(await python.filter('Pet', { owner: { $ref: 'Owner:bob' } }))).toEqual(['Pet:p1']);
    expect(keysOf(await python.filter('Pet', { owner: { $ref: 'Owner:o/-1' } }))).toEqual([]);
    await expect(Pet.create({ pid: 'p3', owner: cat as never })).rejects.toThrow(
      /^Pet\.owner must be an instance of Owner \(a Relationship\)/,
    );

    // Popoto's own re-pointing adds the pet to the new owner's set and leaves it in the old one.
    await python.update('Pet', 'Pet:p1', { owner: { $ref: 'Owner:o/-1' } });
    expect(keysOf(await python.filter('Pet', { owner: { $ref: 'Owner:bob' } }))).toEqual(['Pet:p1']);
    expect((await Pet.query.filter({ owner: bob })).map((p) => p.pid)).toEqual(['p1']);
    await redis.srem('$RelationshipF:Pet:owner:Owner:bob', 'Pet:p1');
    // Lookups through the related model's fields: refused by name (Popoto 0.8.3 mangles the field name).
    await expect(Pet.query.filter({ owner__name: 'Ann' } as never)).rejects.toThrow(
      /Pet.query has no filter "owner__name"/,
    );
    expect(() => Relationship({ model: Owner, many: true } as never)).toThrow('Relationship has no option "many"');

    // Deletes from either side leave no entry.
    await python.delete('Pet', 'Pet:p1');
    await (await Pet.query.get({ pid: 'p2' }))!.delete();
    expect(Object.keys(await dump()).filter((key) => key.startsWith('$RelationshipF'))).toEqual([]);
  });

  it('Relationship: a deleted owner reads as None in Popoto and null here (its set stays, as Popoto leaves it)', async () => {
    const { redis, python } = interop();
    const { Owner, Pet } = interopModels(redis);
    const ann = await Owner.create({ oid: 'ann' });
    await Pet.create({ pid: 'p1', owner: ann });
    await python.delete('Owner', 'Owner:ann');
    expect((await Pet.query.get({ pid: 'p1' }))!.owner).toBeNull();
    expect((await python.get('Pet', { pid: 'p1' }))!.values.owner).toBeNull();
    expect(await redis.smembers('$RelationshipF:Pet:owner:Owner:ann')).toEqual(['Pet:p1']);
    expect((await Pet.query.filter({ owner: ann })).map((p) => p.pid)).toEqual(['p1']);
  });

  it('Relationship: 1,000 records with their owners load in a bounded number of commands, not one per record', async () => {
    const { redis } = interop();
    const { Owner, Pet } = interopModels(redis);
    const owners = await Promise.all(
      Array.from({ length: 10 }, (_, i) => Owner.create({ oid: `o${i}`, name: `n${i}` })),
    );
    await Promise.all(Array.from({ length: 1000 }, (_, i) => Pet.create({ pid: `p${i}`, owner: owners[i % 10]! })));
    await commandsSent(redis);
    const pets = await Pet.query.all();
    const commands = await commandsSent(redis);
    expect(pets).toHaveLength(1000);
    expect(pets.every((pet) => pet.owner?.name === `n${Number(pet.pid.slice(1)) % 10}`)).toBe(true);
    // SMEMBERS of the class set, the pets' read script (at most 8 calls for 1,000) and one read of the owners.
    expect(commands).toBeLessThanOrEqual(12);
  });
});
