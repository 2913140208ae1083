// A worker of the CPU row's ceiling: it builds its share of the price series up front, then on
// each 'go' computes their indicators in a plain loop and answers. Two of these, started
// together, show what two cores give this kernel with no pool and no hand-off per task.
import { parentPort, workerData } from 'node:worker_threads';
import { indicators, priceSeries } from './indicators.js';

const { from, to, length } = workerData as { from: number; to: number; length: number };
const series = Array.from({ length: to - from }, (_, i) => priceSeries(length, from + i + 1));
for (const prices of series.slice(0, 20)) indicators(prices);
parentPort!.on('message', () => {
  let checksum = 0;
  for (const prices of series) checksum += indicators(prices).volatility;
  parentPort!.postMessage(checksum);
});
parentPort!.postMessage('ready');
