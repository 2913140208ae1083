// Issue 15: filter({ id__in: [...1,000 values] }) — every value's index set read in one
// pipelined round trip per batch, then the records in batched reads — against the same reads
// done one query at a time (filter({ id }) awaited in turn), and, for context, those single
// queries issued concurrently through runAllMultithreaded (auto-pipelined).
import { defineModel, Field, KeyField, SortedField } from '../../src/models/index.js';
import { runAllMultithreaded } from '../../src/concurrency/index.js';
import { measureRounds, spread, type Measured, type Workload, withWorkloadKeys } from '../harness.js';

const RECORDS = 20_000;
const VALUES = 1_000;
/** Filters per round for the pipelined contenders: 10 × 1,000 records. */
const BATCHES = 10;
const workload = 'model filter id__in 1,000 values';

export const filterIn: Workload = {
  name: 'models: filter by id__in',
  run(context) {
    const { rounds, log } = context;
    return withWorkloadKeys(context, 'filter-in', async ({ redis }) => {
      const Price = defineModel(
        'Price',
        { id: KeyField(), symbol: Field(), close: SortedField({ type: 'float' }), volume: Field({ type: 'int' }) },
        { redis },
      );
      log(`seeding ${RECORDS} records`);
      const ids = Array.from({ length: RECORDS }, (_, i) => String(i));
      await runAllMultithreaded(
        (id: string) => Price.create({ id, symbol: `S${Number(id) % 50}`, close: Number(id) / 10, volume: 1 }),
        ids,
      );
      const batches = Array.from({ length: BATCHES }, (_, b) =>
        Array.from({ length: VALUES }, (_, i) => String((b * 1_997 + i * 17) % RECORDS)),
      );
      const check = (found: number): void => {
        if (found !== VALUES) throw new Error(`a filter found ${found} records, expected ${VALUES}`);
      };
      log(`measuring 3 contenders × ${rounds} rounds`);
      const measured = await measureRounds(rounds, [
        {
          name: 'in',
          ops: BATCHES * VALUES,
          run: async () => {
            for (const batch of batches) check((await Price.query.filter({ id__in: batch })).length);
          },
        },
        {
          name: 'one at a time',
          ops: VALUES,
          run: async () => {
            let found = 0;
            for (const id of batches[0]!) found += (await Price.query.filter({ id })).length;
            check(found);
          },
        },
        {
          name: 'concurrent',
          ops: BATCHES * VALUES,
          run: async () => {
            for (const batch of batches) {
              const found = await runAllMultithreaded((id: string) => Price.query.filter({ id }), batch);
              check(found.reduce((n, records) => n + records.length, 0));
            }
          },
        },
      ]);
      const m = (name: string): Measured => measured.get(name) ?? { median: 0, min: 0, max: 0 };
      return {
        rows: [
          {
            workload,
            contender: 'query.filter({ id__in: 1,000 ids })',
            opsPerSec: m('in').median,
            note: `records/s; ${spread(m('in'))}`,
          },
          {
            workload,
            contender: 'query.filter({ id }) one at a time, awaited in turn',
            opsPerSec: m('one at a time').median,
            note: `records/s; ${spread(m('one at a time'))}`,
            side: 'peer',
          },
          {
            workload,
            contender: 'runAllMultithreaded(query.filter({ id })) (auto-pipelined, for context)',
            opsPerSec: m('concurrent').median,
            note: `records/s; ${spread(m('concurrent'))}`,
          },
        ],
        bars: [
          {
            workload,
            description: 'filter({ id__in }) / the same filters one at a time',
            ratio: m('in').median / m('one at a time').median,
            min: 10,
          },
        ],
      };
    });
  },
};
