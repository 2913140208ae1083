// DESIGN §7 row "CPU-bound task × 2k": the indicators kernel over 2,000 price series of 4,000
// prices (~2 ms each on the 2-core machine: long enough that the main thread's share of each
// hand-off, ~30 µs, stays small), on a ThreadPool, on the main thread, and on piscina used
// directly with the same threads. Both pools are started and warmed up before measuring, so the
// rows compare steady-state throughput, not thread start-up.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { TASKS_IN_FLIGHT_PER_THREAD, ThreadPool } from '../../src/utils/multithreading.js';
import { measureRounds, spread, type Workload } from '../harness.js';
import { indicators, priceSeries } from './indicators.js';

const INPUTS = 2000;
const SERIES_LENGTH = 4000;
const workload = `CPU-bound task × ${INPUTS / 1000}k (indicators over ${SERIES_LENGTH} prices)`;

export const cpuThreads: Workload = {
  name: workload,
  async run({ rounds, log }) {
    const threads = availableParallelism();
    const kernel = new URL('./indicators.js', import.meta.url);
    const inputs = Array.from({ length: INPUTS }, (_, i) => priceSeries(SERIES_LENGTH, i + 1));
    const pool = new ThreadPool<typeof indicators>(kernel, { maxThreads: threads, minThreads: threads });
    const piscina = new Piscina({ filename: fileURLToPath(kernel), maxThreads: threads, minThreads: threads });
    try {
      log(`warming up ${threads} threads in each pool`);
      await pool.runAll(inputs.slice(0, 200));
      await Promise.all(inputs.slice(0, 200).map((prices) => piscina.run(prices)));
      const expected = inputs.map((prices) => indicators(prices).volatility);
      const check = (results: { volatility: number }[]): void => {
        if (results.some((r, i) => r.volatility !== expected[i])) throw new Error(`${workload}: wrong results`);
      };
      // The default (TASKS_IN_FLIGHT_PER_THREAD per thread) is the ThreadPool contender itself.
      const sweep = [2, 4, 16].map((perThread) => threads * perThread);
      const contenders = [
        { name: 'ThreadPool', ops: INPUTS, run: async () => check(await pool.runAll(inputs)) },
        {
          name: 'main thread',
          ops: INPUTS,
          run: () => {
            check(inputs.map((prices) => indicators(prices)));
            return Promise.resolve();
          },
        },
        {
          name: 'piscina',
          ops: INPUTS,
          run: async () =>
            check(await Promise.all(inputs.map((prices) => piscina.run(prices) as Promise<{ volatility: number }>))),
        },
        ...sweep.map((c) => ({
          name: `ThreadPool c=${c}`,
          ops: INPUTS,
          run: async () => check(await pool.runAll(inputs, { concurrency: c })),
        })),
      ];
      log(`measuring ${contenders.length} contenders × ${rounds} rounds`);
      const measured = await measureRounds(rounds, contenders);
      const m = (name: string) => measured.get(name)!;
      const ours = m('ThreadPool');
      return {
        rows: [
          {
            workload,
            contender: `ThreadPool.runAll (${threads} threads, default concurrency ${TASKS_IN_FLIGHT_PER_THREAD * threads})`,
            opsPerSec: ours.median,
            note: spread(ours),
          },
          {
            workload,
            contender: 'main thread (a loop)',
            opsPerSec: m('main thread').median,
            note: spread(m('main thread')),
          },
          {
            workload,
            contender: `piscina directly (${threads} threads, every task queued at once)`,
            opsPerSec: m('piscina').median,
            note: spread(m('piscina')),
          },
        ],
        bars: [
          {
            workload,
            description: `ThreadPool / main thread (${threads} cores)`,
            ratio: ours.median / m('main thread').median,
            min: 1.8,
          },
          {
            workload,
            description: 'ThreadPool / piscina directly',
            ratio: ours.median / m('piscina').median,
            min: 0.95,
          },
        ],
        notes: [
          `ThreadPool concurrency sweep, median tasks/s: ${sweep.map((c) => `c=${c}: ${Math.round(m(`ThreadPool c=${c}`).median)}`).join('; ')}`,
        ],
      };
    } finally {
      await Promise.all([pool.close(), piscina.close()]);
    }
  },
};
