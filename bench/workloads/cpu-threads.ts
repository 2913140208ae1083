// DESIGN §7 row "CPU-bound task × 2k": the indicators kernel over 2,000 price series of 8,000
// prices (~2 ms each on the 2-core machine: long enough that each hand-off to a thread, ~40 µs of
// the main thread's time plus piscina's handling of an abortable task, stays small), on a
// ThreadPool, on the main thread, and on piscina used directly with the same threads. The same
// three also run on series of 4,000 prices (~1 ms a task), reported beside it without a bar, so
// the cost of a hand-off at that grain is in the report too. Both pools are started and warmed up before measuring, so the
// rows compare steady-state throughput, not thread start-up.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { TASKS_IN_FLIGHT_PER_THREAD, ThreadPool } from '../../src/utils/multithreading.js';
import { measureRounds, spread, type Workload } from '../harness.js';
import { indicators, priceSeries } from './indicators.js';

const INPUTS = 2000;
const SERIES_LENGTH = 8000;
/** The finer grain, reported without a bar. */
const FINE_SERIES_LENGTH = 4000;
const workload = `CPU-bound task × ${INPUTS / 1000}k (indicators over ${SERIES_LENGTH} prices)`;

export const cpuThreads: Workload = {
  name: workload,
  async run({ rounds, log }) {
    const threads = availableParallelism();
    const kernel = new URL('./indicators.js', import.meta.url);
    const inputs = Array.from({ length: INPUTS }, (_, i) => priceSeries(SERIES_LENGTH, i + 1));
    const pool = new ThreadPool<typeof indicators>(kernel, { maxThreads: threads, minThreads: threads });
    const ceiling = await ceilingWorkers(threads, INPUTS, SERIES_LENGTH);
    const piscina = new Piscina({ filename: fileURLToPath(kernel), maxThreads: threads, minThreads: threads });
    try {
      log(`warming up ${threads} threads in each pool`);
      await pool.runAll(inputs.slice(0, 200));
      await Promise.all(inputs.slice(0, 200).map((prices) => piscina.run(prices)));
      const checker = (series: Float64Array[]) => {
        const expected = series.map((prices) => indicators(prices).volatility);
        return (results: { volatility: number }[]): void => {
          if (results.some((r, i) => r.volatility !== expected[i])) throw new Error(`${workload}: wrong results`);
        };
      };
      const check = checker(inputs);
      const fineInputs = Array.from({ length: INPUTS }, (_, i) => priceSeries(FINE_SERIES_LENGTH, i + 1));
      const checkFine = checker(fineInputs);
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
        { name: 'ceiling', ops: INPUTS, run: ceiling.run },
        { name: 'fine ThreadPool', ops: INPUTS, run: async () => checkFine(await pool.runAll(fineInputs)) },
        {
          name: 'fine main thread',
          ops: INPUTS,
          run: () => {
            checkFine(fineInputs.map((prices) => indicators(prices)));
            return Promise.resolve();
          },
        },
        {
          name: 'fine piscina',
          ops: INPUTS,
          run: async () =>
            checkFine(
              await Promise.all(fineInputs.map((prices) => piscina.run(prices) as Promise<{ volatility: number }>)),
            ),
        },
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
          {
            workload,
            contender: `the cores' ceiling: ${threads} plain worker loops, no pool, no hand-off`,
            opsPerSec: m('ceiling').median,
            note: `${spread(m('ceiling'))}; ${(m('ceiling').median / m('main thread').median).toFixed(2)}× the main thread`,
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
          `the same at ${FINE_SERIES_LENGTH} prices (~1 ms a task, no bar): ThreadPool ${Math.round(m('fine ThreadPool').median)}, ` +
            `main thread ${Math.round(m('fine main thread').median)}, piscina ${Math.round(m('fine piscina').median)} tasks/s; ` +
            `ThreadPool / main ${(m('fine ThreadPool').median / m('fine main thread').median).toFixed(2)}, ` +
            `piscina / main ${(m('fine piscina').median / m('fine main thread').median).toFixed(2)}, ` +
            `ThreadPool / piscina ${(m('fine ThreadPool').median / m('fine piscina').median).toFixed(2)}`,
        ],
      };
    } finally {
      await Promise.all([pool.close(), piscina.close(), ceiling.close()]);
    }
  },
};

/**
 * What the cores give this kernel with no pool at all: one worker per thread, each with its
 * share of the series built in advance, all told to go at once, each computing in a plain loop.
 * No hand-off per task, so no pool can beat it: it is the ceiling the pools' rows are read against.
 */
async function ceilingWorkers(
  threads: number,
  inputs: number,
  length: number,
): Promise<{ run: () => Promise<unknown>; close: () => Promise<unknown> }> {
  const script = new URL('./ceiling-worker.js', import.meta.url);
  const share = Math.ceil(inputs / threads);
  const workers = Array.from(
    { length: threads },
    (_, t) => new Worker(script, { workerData: { from: t * share, to: Math.min(inputs, (t + 1) * share), length } }),
  );
  const next = (worker: Worker): Promise<unknown> =>
    new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  await Promise.all(workers.map(next));
  return {
    run: () =>
      Promise.all(
        workers.map((worker) => {
          const done = next(worker);
          worker.postMessage('go');
          return done;
        }),
      ),
    close: () => Promise.all(workers.map((worker) => worker.terminate())),
  };
}
