// DESIGN §7: model get of 100k records (runAllMultithreaded(query.get) and query.getMany)
// against redis-benchmark HGETALL of one record, and model save with TTL of 100k records
// against a raw ioredis pipeline of the same commands.
import { FIELD_TYPES } from '../../src/models/field-types.js';
import { RECORD_SCRIPT } from '../../src/models/record-script.js';
import { READ_RECORDS, recordsPerCall } from '../../src/models/read-batcher.js';
import { metaOf } from '../../src/models/model.js';
import { defineModel, Field, KeyField, SortedField } from '../../src/models/index.js';
import { DEFAULT_CONCURRENCY, runAllMultithreaded } from '../../src/concurrency/index.js';
import { measureRounds, redisBenchmark, spread, type Measured, type Workload, withWorkloadKeys } from '../harness.js';

const RECORDS = 100_000;
const SWEEP = [512, 1024, 2048, 4096];
const getWorkload = 'model get 100k records';
const saveWorkload = 'model save with TTL 100k records';

export const models: Workload = {
  name: 'models: get and save 100k records',
  run(context) {
    const { host, port, rounds, log } = context;
    return withWorkloadKeys(context, 'models', async ({ keyPrefix, redis, plain }) => {
      const Price = defineModel(
        'Price',
        {
          id: KeyField(),
          symbol: Field(),
          close: SortedField({ type: 'float' }),
          volume: Field({ type: 'int' }),
        },
        { redis },
      );
      const records = Array.from(
        { length: RECORDS },
        (_, i) => new Price({ id: String(i), symbol: `S${i % 50}`, close: 100 + (i % 977) / 10, volume: 1000 + i }),
      );
      const ids = records.map((r) => ({ id: r.id }));
      const ttl = 3600;

      // Raw peers, encoding the fields the same way, all records in one pipeline: the very
      // commands save() sends (one EVALSHA of the save script per record), and the MULTI/EXEC
      // of the six plain commands it replaces (HSET, EXPIRE, SADD × 2, ZADD), for context.
      await plain.script('LOAD', RECORD_SCRIPT.lua);
      const rawScript = async (): Promise<void> => {
        const pipeline = redis.pipeline();
        for (const r of records) {
          const key = `Price:${r.id}`;
          pipeline.evalsha(
            RECORD_SCRIPT.sha, 4, key, '$Class:Price', `$KeyF:Price:id:${r.id}`, '$SortF:Price:close',
            'save', 1, 1, key, 'EX', ttl, '', r.close, ...encodedFields(r),
          ); // prettier-ignore
        }
        await pipeline.exec();
      };
      const rawMulti = async (): Promise<void> => {
        const pipeline = redis.pipeline();
        for (const r of records) {
          const key = `Price:${r.id}`;
          pipeline.call('MULTI');
          pipeline.hset(key, ...encodedFields(r));
          pipeline.expire(key, ttl);
          pipeline.sadd('$Class:Price', key);
          pipeline.sadd(`$KeyF:Price:id:${r.id}`, key);
          pipeline.zadd('$SortF:Price:close', r.close, key);
          pipeline.call('EXEC');
        }
        await pipeline.exec();
      };
      log(`measuring saves × ${rounds} rounds`);
      const saves = await measureRounds(rounds, [
        {
          name: 'save',
          ops: RECORDS,
          run: () => runAllMultithreaded((r: (typeof records)[number]) => r.save({ expire: ttl }), records),
        },
        { name: 'raw', ops: RECORDS, run: rawScript },
        { name: 'raw multi', ops: RECORDS, run: rawMulti },
      ]);

      // The Redis side of query.getMany alone: its script calls, the same batches sent the same
      // way, the replies left undecoded. What query.getMany can reach while Redis runs a script.
      const meta = metaOf(Price);
      const { layout } = meta.indexes(redis);
      const recordKeys = records.map((r) => layout.instanceKey([r.id]));
      const perCall = recordsPerCall(RECORDS);
      const scriptAlone = async (): Promise<void> => {
        const calls: Promise<unknown>[] = [];
        for (let i = 0; i < RECORDS; i += perCall) {
          const keys = recordKeys.slice(i, i + perCall);
          calls.push(READ_RECORDS.runBuffer(redis, keys, meta.fieldNames, { unpipelined: true }));
        }
        // Records were read, not empty keys (all nil would be one 0xC0 byte per field).
        const [first] = (await Promise.all(calls)) as Buffer[];
        if (first!.length <= perCall * meta.fieldNames.length) throw new Error('the read script found no records');
      };
      log(`measuring gets × ${rounds} rounds`);
      const get = (id: { id: string }): Promise<unknown> => Price.query.get(id);
      const gets = await measureRounds(rounds, [
        { name: 'runAll get', ops: RECORDS, run: () => runAllMultithreaded(get, ids) },
        { name: 'getMany', ops: RECORDS, run: () => Price.query.getMany(ids) },
        { name: 'script alone', ops: RECORDS, run: scriptAlone },
        ...SWEEP.map((c) => ({
          name: `runAll get c=${c}`,
          ops: RECORDS,
          run: () => runAllMultithreaded(get, ids, { concurrency: c }),
        })),
      ]);

      log('running redis-benchmark -P 16 -c 50 HGETALL on one record');
      const ceiling = await redisBenchmark(host, port, [
        '-P', '16', '-c', '50', '-n', '1000000', 'hgetall', `${keyPrefix}Price:1`,
      ]); // prettier-ignore

      const m = (map: Map<string, Measured>, name: string): Measured => map.get(name) ?? { median: 0, min: 0, max: 0 };
      const runAllGet = m(gets, 'runAll get');
      const bestFixed = SWEEP.map((c) => ({ c, rate: m(gets, `runAll get c=${c}`).median })).reduce((a, b) =>
        b.rate > a.rate ? b : a,
      );
      const getMany = m(gets, 'getMany');
      const alone = m(gets, 'script alone');
      const save = m(saves, 'save');
      const raw = m(saves, 'raw');
      const rawMultiRate = m(saves, 'raw multi');
      return {
        rows: [
          {
            workload: getWorkload,
            contender: `runAllMultithreaded(query.get) (default, c=${DEFAULT_CONCURRENCY})`,
            opsPerSec: runAllGet.median,
            note: spread(runAllGet),
          },
          { workload: getWorkload, contender: 'query.getMany', opsPerSec: getMany.median, note: spread(getMany) },
          {
            workload: getWorkload,
            contender: "ceiling: query.getMany's read script alone, replies not decoded (its Redis side)",
            opsPerSec: alone.median,
            note: spread(alone),
          },
          ...(ceiling === undefined
            ? []
            : [
                {
                  workload: getWorkload,
                  contender: 'redis-benchmark -P 16 -c 50 HGETALL',
                  opsPerSec: ceiling,
                  note: 'external process',
                },
              ]),
          {
            workload: saveWorkload,
            contender: 'runAllMultithreaded(save({ expire }))',
            opsPerSec: save.median,
            note: spread(save),
          },
          {
            workload: saveWorkload,
            contender: 'raw ioredis pipeline of the same commands (EVALSHA per record)',
            opsPerSec: raw.median,
            note: spread(raw),
          },
          {
            workload: saveWorkload,
            contender: 'raw ioredis pipeline of MULTI, HSET, EXPIRE, SADD × 2, ZADD, EXEC',
            opsPerSec: rawMultiRate.median,
            note: spread(rawMultiRate),
          },
        ],
        bars: [
          ...(ceiling === undefined
            ? []
            : [
                {
                  workload: getWorkload,
                  description: 'runAllMultithreaded(query.get) / redis-benchmark HGETALL',
                  ratio: runAllGet.median / ceiling,
                  min: 0.2,
                },
                {
                  workload: getWorkload,
                  description: 'query.getMany / redis-benchmark HGETALL',
                  ratio: getMany.median / ceiling,
                  min: 0.5,
                },
              ]),
          {
            workload: saveWorkload,
            description: 'save with TTL / raw pipeline',
            ratio: save.median / raw.median,
            min: 0.8,
          },
          {
            workload: getWorkload,
            description: `runAllMultithreaded(query.get): default concurrency / best fixed (c=${bestFixed.c})`,
            ratio: runAllGet.median / bestFixed.rate,
            min: 0.9,
          },
        ],
        notes: [
          `query.getMany / its read script alone: ${(getMany.median / alone.median).toFixed(2)}` +
            (ceiling === undefined
              ? ''
              : `; the script alone / redis-benchmark HGETALL (what a read through one script per batch can reach, no bar): ${(alone.median / ceiling).toFixed(2)}`),
          `runAllMultithreaded(query.get) concurrency sweep, median ops/s: ${SWEEP.map((c) => `c=${c}: ${Math.round(m(gets, `runAll get c=${c}`).median)}`).join('; ')}`,
        ],
      };
    });
  },
};

/** HSET arguments of a Price record, encoded as the model encodes them. */
function encodedFields(record: { id: string; symbol: string; close: number; volume: number }): (string | Buffer)[] {
  return [
    'id', FIELD_TYPES.string.encode(record.id),
    'symbol', FIELD_TYPES.string.encode(record.symbol),
    'close', FIELD_TYPES.float.encode(record.close),
    'volume', FIELD_TYPES.int.encode(record.volume),
  ]; // prettier-ignore
}
