// CPU-bound work on worker threads with ThreadPool: price series are read from Redis in MGET
// batches, their indicators (moving averages, volatility: pure computation, the part that would
// block the event loop) are computed on every core, and written back. The Redis I/O stays on the
// event loop; only the CPU step goes to the threads. The task is the default export of
// thread-pool-task.ts, which runs inside the workers.
//
//   npx tsx examples/thread-pool.ts
import { availableParallelism } from 'node:os';
import { ThreadPool } from 'popoto-ts';
import { getMany, setMany } from 'popoto-ts/redis';
import { openScratch } from './scratch.js';

const { prefix, cleanUp } = await openScratch('thread-pool');

// Some data: 400 symbols, 2,000 daily closes each (a deterministic random walk).
const symbols = Array.from({ length: 400 }, (_, i) => `SYM${i}`);
await setMany(
  symbols.map((symbol, s) => {
    let close = 50 + (s % 50);
    const closes = Array.from({ length: 2000 }, (_, day) => (close *= 1 + Math.sin(day * 0.37 + s) * 0.01));
    return [`${prefix}series:${symbol}`, JSON.stringify({ symbol, closes })] as const;
  }),
);

// Typed by the task function: runAll takes strings and resolves with Indicators, in input order.
const pool = new ThreadPool<typeof import('./thread-pool-task.js').default>(
  new URL('./thread-pool-task.js', import.meta.url), // thread-pool-task.ts under tsx
  { maxThreads: availableParallelism() },
);
const stored = await getMany(symbols.map((symbol) => `${prefix}series:${symbol}`));
const results = await pool.runAll(stored.map((value) => value!));
await setMany(results.map((result) => [`${prefix}indicators:${result.symbol}`, JSON.stringify(result)] as const));
await pool.close();

const first = results[0]!;
console.log(`indicators for ${results.length} series on ${availableParallelism()} threads, in input order`);
console.log(`${first.symbol}: sma20 ${first.sma20}, sma200 ${first.sma200}, volatility ${first.volatility}`);
console.log(`written back: ${(await getMany(symbols.map((s) => `${prefix}indicators:${s}`))).filter(Boolean).length}`);

await cleanUp();
