// DESIGN §7 row "CPU-bound task × 2k": the indicators kernel over 2,000 price series of 8,000
// prices (~2 ms each on the 2-core machine), on a ThreadPool, on the main thread, on piscina used
// directly with the same threads, and in 2 plain worker loops (the ceiling: no pool, no
// hand-off). This kernel is JavaScript, whose speed can differ between threads (JIT state), so
// the ceiling row, measured in the same run, is what the pools are read against. A ThreadPool
// with `chunkSize: 1` (one message per task, as before chunking) shows what the chunks gain. The
// same runs at 4,000 prices (~1 ms a task) are reported beside it. Every pool is started and
// warmed up before measuring, so the rows compare steady-state throughput, not thread start-up.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { ThreadPool } from '../../src/concurrency/index.js';
import { measureRounds, spread, type Workload } from '../harness.js';
import { ceilingWorkers, splitShares } from './ceiling.js';
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
    const fineInputs = Array.from({ length: INPUTS }, (_, i) => priceSeries(FINE_SERIES_LENGTH, i + 1));
    const pool = new ThreadPool<typeof indicators>(kernel, { maxThreads: threads, minThreads: threads });
    const single = new ThreadPool<typeof indicators>(kernel, {
      maxThreads: threads,
      minThreads: threads,
      chunkSize: 1,
    });
    const ceiling = await ceilingWorkers(
      splitShares(INPUTS, threads).map((share) => ({ kernel: 'indicators', ...share, length: SERIES_LENGTH })),
    );
    const piscina = new Piscina({ filename: fileURLToPath(kernel), maxThreads: threads, minThreads: threads });
    try {
      log(`warming up ${threads} threads in each pool`);
      await pool.runAll(inputs.slice(0, 200));
      await single.runAll(inputs.slice(0, 200));
      await Promise.all(inputs.slice(0, 200).map((prices) => piscina.run(prices)));
      const checker = (series: Float64Array[]) => {
        const expected = series.map((prices) => indicators(prices).volatility);
        return (results: { volatility: number }[]): void => {
          if (results.length !== expected.length || results.some((r, i) => r.volatility !== expected[i])) {
            throw new Error(`${workload}: results differ from the main thread's`);
          }
        };
      };
      const check = checker(inputs);
      const checkFine = checker(fineInputs);
      const onPiscina = (series: Float64Array[]) =>
        Promise.all(series.map((prices) => piscina.run(prices) as Promise<{ volatility: number }>));
      const onMain = (series: Float64Array[]) => Promise.resolve(series.map((prices) => indicators(prices)));
      const contenders = [
        { name: 'ThreadPool', ops: INPUTS, run: async () => check(await pool.runAll(inputs)) },
        { name: 'ThreadPool chunkSize 1', ops: INPUTS, run: async () => check(await single.runAll(inputs)) },
        { name: 'main thread', ops: INPUTS, run: async () => check(await onMain(inputs)) },
        { name: 'piscina', ops: INPUTS, run: async () => check(await onPiscina(inputs)) },
        { name: 'ceiling', ops: INPUTS, run: ceiling.run },
        { name: 'fine ThreadPool', ops: INPUTS, run: async () => checkFine(await pool.runAll(fineInputs)) },
        { name: 'fine main thread', ops: INPUTS, run: async () => checkFine(await onMain(fineInputs)) },
        { name: 'fine piscina', ops: INPUTS, run: async () => checkFine(await onPiscina(fineInputs)) },
      ];
      log(`measuring ${contenders.length} contenders × ${rounds} rounds`);
      const measured = await measureRounds(rounds, contenders);
      const m = (name: string) => measured.get(name)!;
      const ours = m('ThreadPool');
      const ratio = (a: string, b: string) => (m(a).median / m(b).median).toFixed(2);
      return {
        rows: [
          {
            workload,
            contender: `ThreadPool.runAll (${threads} threads, default options)`,
            opsPerSec: ours.median,
            note: `${spread(ours)}; ${ratio('ThreadPool', 'ceiling')}× the ceiling`,
          },
          {
            workload,
            contender: 'ThreadPool.runAll with chunkSize: 1 (a message per task)',
            opsPerSec: m('ThreadPool chunkSize 1').median,
            note: `${spread(m('ThreadPool chunkSize 1'))}; ${ratio('ThreadPool chunkSize 1', 'ceiling')}× the ceiling`,
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
            note: `${spread(m('piscina'))}; ${ratio('piscina', 'ceiling')}× the ceiling`,
          },
          {
            workload,
            contender: `the cores' ceiling: ${threads} plain worker loops, no pool, no hand-off`,
            opsPerSec: m('ceiling').median,
            note: `${spread(m('ceiling'))}; ${ratio('ceiling', 'main thread')}× the main thread`,
          },
        ],
        bars: [
          {
            workload,
            description: 'ThreadPool / the ceiling (~2 ms tasks)',
            ratio: ours.median / m('ceiling').median,
            min: 0.95,
          },
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
          `the same at ${FINE_SERIES_LENGTH} prices (~1 ms a task, no bar): ThreadPool ${Math.round(m('fine ThreadPool').median)}, ` +
            `main thread ${Math.round(m('fine main thread').median)}, piscina ${Math.round(m('fine piscina').median)} tasks/s; ` +
            `ThreadPool / main ${ratio('fine ThreadPool', 'fine main thread')}, piscina / main ${ratio('fine piscina', 'fine main thread')}, ` +
            `ThreadPool / piscina ${ratio('fine ThreadPool', 'fine piscina')}`,
        ],
      };
    } finally {
      await Promise.all([pool.close(), single.close(), piscina.close(), ceiling.close()]);
    }
  },
};
