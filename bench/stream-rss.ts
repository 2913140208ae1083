// Run in a fresh process by the seed workload, so that RSS growth is the stream's alone:
// ITEMS items (argv[2], default 1M) through streamAllMultithreaded (default options), peak RSS
// sampled throughout.
import { streamAllMultithreaded } from '../src/concurrency/index.js';

const ITEMS = Number(process.argv[2] ?? 1_000_000);
(globalThis as { gc?: () => void }).gc?.();
const before = process.memoryUsage.rss();
let peak = before;
const sample = (): void => {
  peak = Math.max(peak, process.memoryUsage.rss());
};
const sampler = setInterval(sample, 5);
function* numbers(): Generator<number> {
  for (let i = 0; i < ITEMS; i++) yield i;
}
let count = 0;
const started = performance.now();
for await (const value of streamAllMultithreaded(
  (n: number) => Promise.resolve({ n, label: `item ${n}` }),
  numbers(),
)) {
  if (value.n >= 0) count++;
  if ((count & 0x3fff) === 0) sample();
}
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
sample();
if (count !== ITEMS) throw new Error(`streamed ${count} items, expected ${ITEMS}`);
process.stdout.write(JSON.stringify({ opsPerSec: ITEMS / seconds, growthMb: (peak - before) / 2 ** 20 }));
