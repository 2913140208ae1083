// A worker of the thread rows' ceiling: it builds its share of the inputs up front, then on each
// 'go' runs the kernel over them in a plain loop and answers. Two of these, started together,
// show what two cores give a kernel with no pool and no hand-off per task.
import { parentPort, workerData } from 'node:worker_threads';
import { indicators, priceSeries } from './indicators.js';
import { shaChain, shaJobs } from './sha-chain.js';

/** Which kernel, and this worker's share of the inputs. */
export type CeilingShare =
  | { kernel: 'indicators'; from: number; to: number; length: number }
  | { kernel: 'sha'; from: number; to: number; rounds: number };

const share = workerData as CeilingShare;
let run: () => unknown;
if (share.kernel === 'indicators') {
  const series = Array.from({ length: share.to - share.from }, (_, i) => priceSeries(share.length, share.from + i + 1));
  for (const prices of series.slice(0, 20)) indicators(prices);
  run = () => {
    let checksum = 0;
    for (const prices of series) checksum += indicators(prices).volatility;
    return checksum;
  };
} else {
  const jobs = shaJobs(share.to, share.rounds).slice(share.from);
  for (const job of jobs.slice(0, 20)) shaChain(job);
  run = () => jobs.map(shaChain).length;
}
parentPort!.on('message', () => parentPort!.postMessage(run()));
parentPort!.postMessage('ready');
