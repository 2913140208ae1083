// Issue 16: the reads of Popoto's other field kinds, each beside its nearest alternative on the
// same records: a partitioned range filter (SortedField sortBy) against the same range on an
// unpartitioned SortedField intersected with a KeyField; a geo radius filter against raw
// GEOSEARCH + HGETALL of the same records; a projection (values) against full reads of the same
// records; 1,000 records read with their Relationship owners (batched) against the same reads one
// record at a time.
import { defineModel, Field, GeoField, KeyField, Relationship, SortedField } from '../../src/models/index.js';
import { runAllMultithreaded } from '../../src/concurrency/index.js';
import { measureRounds, spread, type Measured, type Row, type Workload, withWorkloadKeys } from '../harness.js';

const RECORDS = 20_000;
const TEAMS = 20;
const PETS = 1_000;
const OWNERS = 100;
const partitioned = 'model partitioned range filter (sortBy), 20k records';
const geo = 'model geo radius filter, 20k points';
const projection = 'model values= projection vs full reads, 20k records';
const related = 'model Relationship read of 1,000 records with owners';

export const parity: Workload = {
  name: 'models: partitions, geo, projections, relationships',
  run(context) {
    const { rounds, log } = context;
    return withWorkloadKeys(context, 'parity', async ({ keyPrefix, redis, plain }) => {
      const Score = defineModel(
        'Score',
        { id: KeyField(), team: Field(), points: SortedField({ type: 'int', sortBy: 'team' }) },
        { redis },
      );
      const Flat = defineModel(
        'Flat',
        { id: KeyField(), team: KeyField(), points: SortedField({ type: 'int' }) },
        { redis },
      );
      const Place = defineModel('Place', { id: KeyField(), loc: GeoField(), label: Field() }, { redis });
      const Owner = defineModel('Owner', { oid: KeyField(), name: Field() }, { redis });
      const Pet = defineModel(
        'Pet',
        { pid: KeyField(), owner: Relationship({ model: Owner }), kind: Field() },
        { redis },
      );
      log(`seeding ${RECORDS} scores, ${RECORDS} places, ${PETS} pets of ${OWNERS} owners`);
      const ids = Array.from({ length: RECORDS }, (_, i) => i);
      await runAllMultithreaded(async (i: number) => {
        const team = `t${i % TEAMS}`;
        await Score.create({ id: String(i), team, points: i });
        await Flat.create({ id: String(i), team, points: i });
        // A 20 km × 20 km grid around Paris.
        const loc = {
          latitude: 48.77 + ((i % 141) / 141) * 0.18,
          longitude: 2.22 + (Math.floor(i / 141) / 142) * 0.27,
        };
        await Place.create({ id: String(i), loc, label: `place ${i}` });
      }, ids);
      const owners = await Promise.all(
        Array.from({ length: OWNERS }, (_, i) => Owner.create({ oid: `o${i}`, name: `owner ${i}` })),
      );
      const pets = await Promise.all(
        Array.from({ length: PETS }, (_, i) => Pet.create({ pid: `p${i}`, owner: owners[i % OWNERS]!, kind: 'cat' })),
      );
      const petKeys = pets.map((pet) => ({ pid: pet.pid }));

      const expect = (found: number, wanted: number, what: string): void => {
        if (found !== wanted) throw new Error(`${what} found ${found} records, expected ${wanted}`);
      };
      const inTeam = RECORDS / TEAMS;
      const center = { latitude: 48.86, longitude: 2.355 };
      const geoCount = (await Place.query.keys({ loc: center, loc_radius: 3, loc_radius_unit: 'km' })).length;
      const geoKeys = async (): Promise<string[]> =>
        (await plain.geosearch(`${keyPrefix}$GeoF:Place:loc`, 'FROMLONLAT', center.longitude, center.latitude, 'BYRADIUS', 3, 'km')) as string[]; // prettier-ignore
      log(`measuring 8 contenders × ${rounds} rounds (a radius holds ${geoCount} points)`);
      const measured = await measureRounds(rounds, [
        {
          name: 'partitioned',
          ops: inTeam,
          run: async () =>
            expect((await Score.query.filter({ team: 't3', points__gte: 0 })).length, inTeam, 'partitioned'),
        },
        {
          name: 'flat',
          ops: inTeam,
          run: async () => expect((await Flat.query.filter({ team: 't3', points__gte: 0 })).length, inTeam, 'flat'),
        },
        {
          name: 'geo',
          ops: geoCount,
          run: async () =>
            expect(
              (await Place.query.filter({ loc: center, loc_radius: 3, loc_radius_unit: 'km' })).length,
              geoCount,
              'geo',
            ),
        },
        {
          name: 'geo raw',
          ops: geoCount,
          run: async () => {
            const keys = await geoKeys();
            const pipeline = plain.pipeline();
            for (const key of keys) pipeline.hgetallBuffer(`${keyPrefix}${key}`);
            expect((await pipeline.exec())!.length, geoCount, 'geo raw');
          },
        },
        {
          name: 'values',
          ops: RECORDS,
          run: async () => expect((await Place.query.all({ values: ['id', 'label'] })).length, RECORDS, 'values'),
        },
        {
          name: 'full',
          ops: RECORDS,
          run: async () => expect((await Place.query.all()).length, RECORDS, 'full'),
        },
        {
          name: 'related',
          ops: PETS,
          run: async () => {
            const found = await Pet.query.getMany(petKeys);
            expect(found.filter((pet) => pet?.owner?.name !== undefined).length, PETS, 'related');
          },
        },
        {
          name: 'related one at a time',
          ops: PETS,
          run: async () => {
            let found = 0;
            for (const key of petKeys) if ((await Pet.query.get(key))?.owner?.name !== undefined) found++;
            expect(found, PETS, 'related one at a time');
          },
        },
      ]);
      const m = (name: string): Measured => measured.get(name) ?? { median: 0, min: 0, max: 0 };
      const row = (workload: string, contender: string, name: string, side: Row['side'] = 'popoto-ts'): Row => ({
        workload,
        contender,
        opsPerSec: m(name).median,
        note: `records/s; ${spread(m(name))}`,
        side,
      });
      return {
        rows: [
          row(partitioned, "filter({ team, points__gte }) on SortedField({ sortBy: 'team' })", 'partitioned'),
          row(partitioned, 'the same on a KeyField team and an unpartitioned SortedField (two sets intersected)', 'flat'), // prettier-ignore
          row(geo, "filter({ loc, loc_radius: 3, loc_radius_unit: 'km' })", 'geo'),
          row(geo, 'raw ioredis GEOSEARCH, then a pipeline of HGETALL (no decoding)', 'geo raw', 'peer'),
          row(projection, "all({ values: ['id', 'label'] })", 'values'),
          row(projection, 'all() (whole records)', 'full'),
          row(related, 'getMany(1,000 keys): owners loaded in one batched read', 'related'),
          row(
            related,
            'get(key) one at a time, awaited in turn (each loads its owner)',
            'related one at a time',
            'peer',
          ),
        ],
        bars: [
          {
            workload: related,
            description: 'getMany with owners / the same gets one at a time',
            ratio: m('related').median / m('related one at a time').median,
            min: 10,
          },
        ],
      };
    });
  },
};
