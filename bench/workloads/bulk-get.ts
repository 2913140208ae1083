// DESIGN §7 row 1: bulk GET of 200k keys with 100-byte values, all contenders on one ioredis
// client: runAllMultithreaded (default options), p-map at its best concurrency, sequential
// awaits, getMany, and redis-benchmark as the ceiling of what the server gives one box.
import pMap from 'p-map';
import { deleteKeysUnder, DEFAULT_BATCH_SIZE, getMany } from '../../src/redis/index.js';
import { DEFAULT_CONCURRENCY, runAllMultithreaded } from '../../src/concurrency/index.js';
import {
  measureRounds,
  redisBenchmark,
  seedStrings,
  spread,
  type Measured,
  type Row,
  type Workload,
} from '../harness.js';

const KEYS = 200_000;
const SEQUENTIAL_KEYS = 20_000;
const SWEEP = [64, 128, 256, 512, 1024, 2048];
const BATCH_SWEEP = [250, 500, 1000];
const workload = 'bulk GET 200k keys, 100 B values';

export const bulkGet: Workload = {
  name: workload,
  async run({ host, port, rounds, log, namespace, client }) {
    // Auto-pipelining batches the commands issued in one tick into one socket write; it is
    // what popoto-ts's own connection uses, and every contender here shares the client.
    const redis = client();
    const prefix = `${namespace}get:`;
    try {
      log(`seeding ${KEYS} keys`);
      const keys = await seedStrings(redis, prefix, KEYS, 100);
      const get = (key: string): Promise<string | null> => redis.get(key);
      const contenders = [
        { name: 'runAll default', ops: KEYS, run: () => runAllMultithreaded(get, keys) },
        ...SWEEP.map((c) => ({ name: `p-map c=${c}`, ops: KEYS, run: () => pMap(keys, get, { concurrency: c }) })),
        ...SWEEP.map((c) => ({
          name: `runAll c=${c}`,
          ops: KEYS,
          run: () => runAllMultithreaded(get, keys, { concurrency: c }),
        })),
        ...BATCH_SWEEP.map((b) => ({
          name: `getMany batch=${b}`,
          ops: KEYS,
          run: () => getMany(keys, { redis, batchSize: b }),
        })),
        // The same MGETs straight from ioredis, all issued at once (auto-pipelined on this client),
        // their replies left as ioredis gives them: what the client library itself reaches.
        {
          name: 'plain mget',
          ops: KEYS,
          run: async () => {
            const replies: Promise<(string | null)[]>[] = [];
            for (let i = 0; i < KEYS; i += DEFAULT_BATCH_SIZE)
              replies.push(redis.mget(keys.slice(i, i + DEFAULT_BATCH_SIZE)));
            await Promise.all(replies);
          },
        },
        {
          name: 'sequential',
          ops: SEQUENTIAL_KEYS,
          run: async () => {
            for (const key of keys.slice(0, SEQUENTIAL_KEYS)) await get(key);
          },
        },
      ];
      log(`measuring ${contenders.length} contenders × ${rounds} rounds`);
      const measured = await measureRounds(rounds, contenders);
      const m = (name: string): Measured => measured.get(name) ?? { median: 0, min: 0, max: 0 };
      const bestOf = (label: string): { concurrency: number; m: Measured } =>
        SWEEP.map((c) => ({ concurrency: c, m: m(`${label} c=${c}`) })).reduce((a, b) =>
          b.m.median > a.m.median ? b : a,
        );
      const pMapBest = bestOf('p-map');
      const ourBest = bestOf('runAll');
      const ours = m('runAll default');
      const getManyDefault = m(`getMany batch=${DEFAULT_BATCH_SIZE}`);

      log('running redis-benchmark -t get -P 16 -c 50 -d 100');
      const ceiling = await redisBenchmark(host, port, [
        '-t',
        'get',
        '-P',
        '16',
        '-c',
        '50',
        '-d',
        '100',
        '-n',
        '2000000',
      ]);

      const row = (contender: string, x: Measured, note = spread(x)): Row => ({
        workload,
        contender,
        opsPerSec: x.median,
        note,
      });
      const rows: Row[] = [
        row(`runAllMultithreaded (default, c=${DEFAULT_CONCURRENCY})`, ours),
        row(`p-map, best concurrency (c=${pMapBest.concurrency})`, pMapBest.m),
        row(`runAllMultithreaded, best fixed (c=${ourBest.concurrency})`, ourBest.m),
        row('sequential awaits', m('sequential'), `${SEQUENTIAL_KEYS} keys; ${spread(m('sequential'))}`),
        row(`getMany (MGET batches of ${DEFAULT_BATCH_SIZE})`, getManyDefault),
        row(`plain ioredis: the same MGETs of ${DEFAULT_BATCH_SIZE} keys, all issued at once`, m('plain mget')),
      ];
      if (ceiling !== undefined)
        rows.push({
          workload,
          contender: 'redis-benchmark -P 16 -c 50 GET',
          opsPerSec: ceiling,
          note: 'external process',
        });
      const median = (name: string): number => Math.round(m(name).median);
      return {
        rows,
        bars: [
          {
            workload,
            description: 'runAllMultithreaded (default) / p-map at its best concurrency',
            ratio: ours.median / pMapBest.m.median,
            min: 0.95,
          },
          {
            workload,
            description: 'default concurrency / best fixed concurrency',
            ratio: ours.median / ourBest.m.median,
            min: 0.9,
          },
          ...(ceiling === undefined
            ? []
            : [
                {
                  workload,
                  description: 'getMany / redis-benchmark -P 16 -c 50 GET',
                  ratio: getManyDefault.median / ceiling,
                  min: 1,
                },
              ]),
        ],
        notes: [
          `concurrency sweep, median ops/s: ${SWEEP.map((c) => `c=${c}: runAll ${median(`runAll c=${c}`)}, p-map ${median(`p-map c=${c}`)}`).join('; ')}`,
          `getMany / plain ioredis MGETs (the client library's own reach, no bar): ${(getManyDefault.median / m('plain mget').median).toFixed(2)}`,
          `getMany batch-size sweep, median ops/s: ${BATCH_SWEEP.map((b) => `batch=${b}: ${median(`getMany batch=${b}`)}`).join('; ')}`,
        ],
      };
    } finally {
      await deleteKeysUnder(prefix, { redis });
      redis.disconnect();
    }
  },
};
