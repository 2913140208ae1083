// DESIGN §7 row "mixed job": read 3,000 price-history records from Redis, compute their
// indicators (the CPU step, ~0.4 ms each), write the result back. Both contenders are the same
// runAllMultithreaded pipeline over the keys; one runs the CPU step on a ThreadPool
// (`pool.run(raw, { signal: task.signal })`), the other on the main thread.
import { availableParallelism } from 'node:os';
import { deleteKeysUnder } from '../../src/redis/index.js';
import { runAllMultithreaded, ThreadPool } from '../../src/concurrency/index.js';
import { measureRounds, spread, type Workload } from '../harness.js';
import { priceSeries } from './indicators.js';
import recordStep from './record-step.js';

const RECORDS = 3000;
const CLOSES = 1000;
const workload = `mixed job: ${RECORDS / 1000}k records Redis read → indicators → write`;

export const mixedJob: Workload = {
  name: workload,
  async run({ rounds, log, namespace, client }) {
    const redis = client();
    const prefix = `${namespace}mixed:`;
    const threads = availableParallelism();
    const pool = new ThreadPool<typeof recordStep>(new URL('./record-step.js', import.meta.url), {
      maxThreads: threads,
      minThreads: threads,
    });
    try {
      log(`seeding ${RECORDS} records of ${CLOSES} closes`);
      const keys = Array.from({ length: RECORDS }, (_, i) => `${prefix}AAPL${i}`);
      for (let i = 0; i < RECORDS; i += 500) {
        const pipeline = redis.pipeline();
        for (const [j, key] of keys.slice(i, i + 500).entries()) {
          pipeline.set(
            key,
            JSON.stringify({ symbol: key.slice(prefix.length), closes: [...priceSeries(CLOSES, i + j + 1)] }),
          );
        }
        await pipeline.exec();
      }
      const job = (step: (raw: string, signal: AbortSignal) => string | Promise<string>) => () =>
        runAllMultithreaded(async (key: string, _index, task) => {
          const raw = await redis.get(key);
          if (raw === null) throw new Error(`${workload}: ${key} is missing`);
          await redis.set(`${key}:indicators`, await step(raw, task.signal));
        }, keys);
      await pool.runAll(keys.slice(0, 50).map(() => JSON.stringify({ symbol: 'warm-up', closes: [1, 2, 3] })));
      log(`measuring 2 contenders × ${rounds} rounds`);
      const measured = await measureRounds(rounds, [
        { name: 'pool', ops: RECORDS, run: job((raw, signal) => pool.run(raw, { signal })) },
        { name: 'main', ops: RECORDS, run: job((raw) => recordStep(raw)) },
      ]);
      const sample = await redis.get(`${keys[7]}:indicators`);
      if (sample !== recordStep((await redis.get(keys[7]!))!)) throw new Error(`${workload}: wrong result written`);
      const ours = measured.get('pool')!;
      const main = measured.get('main')!;
      return {
        rows: [
          {
            workload,
            contender: `ThreadPool for the CPU step (${threads} threads)`,
            opsPerSec: ours.median,
            note: `records/s; ${spread(ours)}`,
          },
          { workload, contender: 'all on the main thread', opsPerSec: main.median, note: `records/s; ${spread(main)}` },
        ],
        bars: [
          {
            workload,
            description: 'ThreadPool / all on the main thread (≥ 1.1)',
            ratio: ours.median / main.median,
            min: 1.1,
          },
        ],
      };
    } finally {
      await pool.close();
      await deleteKeysUnder(prefix, { redis });
      redis.disconnect();
    }
  },
};
