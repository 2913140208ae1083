// The ceiling of the thread rows: one plain worker per thread, each with its share of the inputs
// built in advance, all told to go at once, each running the kernel in a loop. No hand-off per
// task, so no pool can beat it: it is what the pools' rows are read against, measured in the
// same run.
import { Worker } from 'node:worker_threads';
import type { CeilingShare } from './ceiling-worker.js';

/** Starts one ceiling worker per share; `run` makes them all compute their share once. */
export async function ceilingWorkers(
  shares: CeilingShare[],
): Promise<{ run: () => Promise<unknown>; close: () => Promise<unknown> }> {
  const script = new URL('./ceiling-worker.js', import.meta.url);
  const workers = shares.map((share) => new Worker(script, { workerData: share }));
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

/** `count` inputs split into `threads` consecutive shares. */
export function splitShares(count: number, threads: number): { from: number; to: number }[] {
  const size = Math.ceil(count / threads);
  return Array.from({ length: threads }, (_, t) => ({ from: t * size, to: Math.min(count, (t + 1) * size) }));
}
