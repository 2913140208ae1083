// DESIGN §7 row 1: bulk GET of 200k keys with 100-byte values, all contenders on one ioredis
// client: runAllMultithreaded (default options), p-map at its best concurrency, sequential
// awaits, and redis-benchmark as the ceiling of what the server gives one box.
import { Redis } from 'ioredis';
import pMap from 'p-map';
import { DEFAULT_BATCH_SIZE, getMany } from '../../src/redis/index.js';
import { DEFAULT_CONCURRENCY, runAllMultithreaded } from '../../src/utils/multithreading.js';
import { bestOfRounds, deletePrefix, redisBenchmark, seedStrings, type Workload } from '../harness.js';

const KEYS = 200_000;
const SEQUENTIAL_KEYS = 20_000;
const SWEEP = [16, 64, 128, 256, 512, 1024, 2048, 4096];
const BATCH_SWEEP = [100, 250, 500, 1000, 2000];

const workload = 'bulk GET 200k keys, 100 B values';

export const bulkGet: Workload = {
  name: workload,
  async run({ url, host, port, rounds, log }) {
    // Auto-pipelining batches the commands issued in one tick into one socket write; it is
    // what popoto-ts's own connection uses, and every contender here shares the client.
    const redis = new Redis(url, { enableAutoPipelining: true });
    const prefix = 'popoto-bench:get:';
    try {
      log(`seeding ${KEYS} keys`);
      const keys = await seedStrings(redis, prefix, KEYS, 100);
      const get = (key: string): Promise<string | null> => redis.get(key);

      const contenders = [
        { name: 'runAllMultithreaded (default)', ops: KEYS, run: () => runAllMultithreaded(get, keys) },
        { name: 'getMany (default)', ops: KEYS, run: () => getMany(keys, { redis }) },
        ...BATCH_SWEEP.map((batchSize) => ({
          name: `getMany batch=${batchSize}`,
          ops: KEYS,
          run: () => getMany(keys, { redis, batchSize }),
        })),
        ...SWEEP.map((concurrency) => ({
          name: `p-map c=${concurrency}`,
          ops: KEYS,
          run: () => pMap(keys, get, { concurrency }),
        })),
        ...SWEEP.map((concurrency) => ({
          name: `runAllMultithreaded c=${concurrency}`,
          ops: KEYS,
          run: () => runAllMultithreaded(get, keys, { concurrency }),
        })),
        {
          name: 'sequential awaits',
          ops: SEQUENTIAL_KEYS,
          run: async () => {
            for (const key of keys.slice(0, SEQUENTIAL_KEYS)) await get(key);
          },
        },
      ];
      log(`measuring ${contenders.length} contenders × ${rounds} rounds`);
      const best = await bestOfRounds(rounds, contenders);
      const rate = (name: string): number => best.get(name) ?? 0;

      const bestOf = (label: string): { name: string; rate: number } =>
        SWEEP.map((c) => ({ name: `${label} c=${c}`, rate: rate(`${label} c=${c}`) })).reduce((a, b) =>
          b.rate > a.rate ? b : a,
        );
      const pMapBest = bestOf('p-map');
      const ourBestFixed = bestOf('runAllMultithreaded');
      const ours = rate('runAllMultithreaded (default)');

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

      const rows = [
        { workload, contender: `runAllMultithreaded (default, c=${DEFAULT_CONCURRENCY})`, opsPerSec: ours },
        { workload, contender: `p-map, best concurrency (${pMapBest.name.split(' ')[1]})`, opsPerSec: pMapBest.rate },
        {
          workload,
          contender: `runAllMultithreaded, best fixed (${ourBestFixed.name.split(' ')[1]})`,
          opsPerSec: ourBestFixed.rate,
        },
        {
          workload,
          contender: 'sequential awaits',
          opsPerSec: rate('sequential awaits'),
          note: `${SEQUENTIAL_KEYS} keys`,
        },
        {
          workload,
          contender: `getMany (MGET batches of ${DEFAULT_BATCH_SIZE})`,
          opsPerSec: rate('getMany (default)'),
        },
        ...(ceiling === undefined
          ? []
          : [{ workload, contender: 'redis-benchmark -P 16 -c 50 GET', opsPerSec: ceiling, note: 'external process' }]),
      ];
      const sweep = SWEEP.map(
        (c) =>
          `c=${c}: runAll ${Math.round(rate(`runAllMultithreaded c=${c}`))}, p-map ${Math.round(rate(`p-map c=${c}`))}`,
      );
      const getManyRate = rate('getMany (default)');
      const batchSweep = BATCH_SWEEP.map((b) => `batch=${b}: ${Math.round(rate(`getMany batch=${b}`))}`);
      return {
        rows,
        bars: [
          ...(ceiling === undefined
            ? []
            : [
                {
                  workload,
                  description: 'getMany / redis-benchmark -P 16 -c 50 GET',
                  ratio: getManyRate / ceiling,
                  min: 0.5,
                },
              ]),
          {
            workload,
            description: 'runAllMultithreaded (default) / p-map at its best concurrency',
            ratio: ours / pMapBest.rate,
            min: 0.95,
          },
          {
            workload,
            description: 'default concurrency / best fixed concurrency',
            ratio: ours / ourBestFixed.rate,
            min: 0.9,
          },
        ],
        notes: [
          `concurrency sweep (ops/s): ${sweep.join('; ')}`,
          `getMany batch-size sweep (ops/s): ${batchSweep.join('; ')}`,
        ],
      };
    } finally {
      await deletePrefix(redis, prefix);
      redis.disconnect();
    }
  },
};
