// The thread pools at two task grains, side by side in one run: a native SHA-256 chain
// (sha-chain.ts, whose speed does not depend on the thread) calibrated to ~2 ms and ~0.2 ms a
// task on this machine, on a ThreadPool (default options), piscina, tinypool and poolifier used
// directly (every task submitted at once, as their docs show), the main thread, and the ceiling
// (2 plain worker loops, no hand-off). At ~0.2 ms it adds ThreadPool with `ordered: false` and
// its two streams, and piscina given chunks of params as tasks: what a ThreadPool kept on piscina
// could do. Every result of every row is checked against the main thread's.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { FixedThreadPool } from 'poolifier';
import { Tinypool } from 'tinypool';
import { CHUNK_TARGET_MS, ThreadPool } from '../../src/concurrency/index.js';
import { measureRounds, spread, type Bar, type Row, type Workload } from '../harness.js';
import { ceilingWorkers, splitShares } from './ceiling.js';
import { shaChain, shaJobs, type ShaJob } from './sha-chain.js';

const workload = 'CPU tasks at two grains (SHA-256 chain, native)';
/** Tasks per row at each grain: about 2 s of one core's work. */
const GRAINS = [
  { name: 'coarse', targetMs: 2, tasks: 1000 },
  { name: 'fine', targetMs: 0.2, tasks: 10_000 },
] as const;

/** Hashes per chain that take `targetMs` on the main thread: the fastest of several probes, as other work on the machine only slows one down. */
function calibrate(targetMs: number): number {
  const probe = 64;
  let msPerHash = Infinity;
  for (let attempt = 0; attempt < 7; attempt++) {
    const start = performance.now();
    for (let i = 0; i < 40; i++) shaChain({ seed: i, rounds: probe });
    msPerHash = Math.min(msPerHash, (performance.now() - start) / (40 * probe));
  }
  return Math.max(1, Math.round(targetMs / msPerHash));
}

export const cpuGrains: Workload = {
  name: workload,
  async run({ rounds, log }) {
    const threads = availableParallelism();
    const kernel = new URL('./sha-chain.js', import.meta.url);
    const options = { maxThreads: threads, minThreads: threads };
    const pool = new ThreadPool<typeof shaChain>(kernel, options);
    const piscina = new Piscina({ filename: fileURLToPath(kernel), ...options });
    const piscinaChunks = new Piscina({ filename: fileURLToPath(new URL('./sha-chain-chunk.js', kernel)), ...options });
    const tinypool = new Tinypool({ filename: fileURLToPath(kernel), ...options });
    const poolifier = new FixedThreadPool<ShaJob, string>(
      threads,
      fileURLToPath(new URL('./sha-chain-poolifier.js', kernel)),
    );
    const closers: (() => Promise<unknown>)[] = [
      () => pool.close(),
      () => piscina.close(),
      () => piscinaChunks.close(),
      () => tinypool.destroy(),
      () => poolifier.destroy(),
    ];
    try {
      const rows: Row[] = [];
      const bars: Bar[] = [];
      const notes: string[] = [];
      for (const grain of GRAINS) {
        const hashes = calibrate(grain.targetMs);
        const jobs = shaJobs(grain.tasks, hashes);
        const expected = jobs.map(shaChain);
        const check = (results: readonly string[]): void => {
          if (results.length !== expected.length || results.some((r, i) => r !== expected[i])) {
            throw new Error(`${workload}: ${grain.name} results differ from the main thread's`);
          }
        };
        const checkIndexed = (results: readonly { index: number; value: string }[]): void => {
          const ordered: string[] = [];
          for (const { index, value } of results) ordered[index] = value;
          check(ordered);
        };
        const ceiling = await ceilingWorkers(
          splitShares(grain.tasks, threads).map((share) => ({ kernel: 'sha', ...share, rounds: hashes })),
        );
        closers.push(() => ceiling.close());
        log(`${grain.name}: ${hashes} hashes a task; warming up every pool`);
        const warm = jobs.slice(0, 200);
        await pool.runAll(warm);
        await Promise.all(warm.map((job) => piscina.run(job)));
        await Promise.all(warm.map((job) => tinypool.run(job)));
        await Promise.all(warm.map((job) => poolifier.execute(job)));
        const chunk = Math.max(1, Math.floor(CHUNK_TARGET_MS / grain.targetMs));
        const chunks = Array.from({ length: Math.ceil(jobs.length / chunk) }, (_, i) =>
          jobs.slice(i * chunk, (i + 1) * chunk),
        );
        await Promise.all(chunks.slice(0, 4).map((c) => piscinaChunks.run(c)));
        const ops = grain.tasks;
        const contenders = [
          { name: 'ThreadPool', ops, run: async () => check(await pool.runAll(jobs)) },
          { name: 'main thread', ops, run: () => Promise.resolve(check(jobs.map(shaChain))) },
          { name: 'ceiling', ops, run: ceiling.run },
          {
            name: 'piscina',
            ops,
            run: async () => check(await Promise.all(jobs.map((job) => piscina.run(job) as Promise<string>))),
          },
          {
            name: 'tinypool',
            ops,
            run: async () => check(await Promise.all(jobs.map((job) => tinypool.run(job) as Promise<string>))),
          },
          {
            name: 'poolifier',
            ops,
            run: async () => check(await Promise.all(jobs.map((job) => poolifier.execute(job)))),
          },
        ];
        if (grain.name === 'fine') {
          contenders.push(
            {
              name: 'ThreadPool unordered',
              ops,
              run: async () => checkIndexed(await pool.runAll(jobs, { ordered: false })),
            },
            {
              name: 'ThreadPool streamAll',
              ops,
              run: async () => {
                const results: string[] = [];
                for await (const value of pool.streamAll(jobs)) results.push(value);
                check(results);
              },
            },
            {
              name: 'ThreadPool streamAll unordered',
              ops,
              run: async () => {
                const results: { index: number; value: string }[] = [];
                for await (const item of pool.streamAll(jobs, { ordered: false })) results.push(item);
                checkIndexed(results);
              },
            },
            {
              name: 'piscina chunks',
              ops,
              run: async () =>
                check((await Promise.all(chunks.map((c) => piscinaChunks.run(c) as Promise<string[]>))).flat()),
            },
          );
        }
        log(`${grain.name}: measuring ${contenders.length} contenders × ${rounds} rounds`);
        const measured = await measureRounds(rounds, contenders);
        const m = (name: string) => measured.get(name)!;
        const msPerTask = 1000 / m('main thread').median;
        const label = `~${msPerTask.toFixed(msPerTask < 1 ? 2 : 1)} ms tasks`;
        const row = (name: string, contender: string): Row => ({
          workload: `${workload}, ${label}`,
          contender,
          opsPerSec: m(name).median,
          note: `${spread(m(name))}; ${(m(name).median / m('ceiling').median).toFixed(2)}× the ceiling`,
        });
        rows.push(
          row('ThreadPool', `ThreadPool.runAll (${threads} threads, default options)`),
          row('piscina', 'piscina directly'),
          row('tinypool', 'tinypool directly'),
          row('poolifier', 'poolifier FixedThreadPool directly'),
          row('main thread', 'main thread (a loop)'),
          row('ceiling', `the cores' ceiling: ${threads} plain worker loops, no pool, no hand-off`),
        );
        const best = Math.max(m('piscina').median, m('tinypool').median, m('poolifier').median);
        const ours = m('ThreadPool').median;
        bars.push({
          workload: `${workload}, ${label}`,
          description: `ThreadPool / the ceiling (${label})`,
          ratio: ours / m('ceiling').median,
          min: grain.name === 'coarse' ? 0.95 : 0.9,
        });
        if (grain.name === 'fine') {
          rows.push(
            row('ThreadPool unordered', 'ThreadPool.runAll, ordered: false'),
            row('ThreadPool streamAll', 'ThreadPool.streamAll'),
            row('ThreadPool streamAll unordered', 'ThreadPool.streamAll, ordered: false'),
            row('piscina chunks', `piscina given chunks of ${chunk} params as tasks (ThreadPool kept on piscina)`),
          );
          bars.push({
            workload: `${workload}, ${label}`,
            description: `ThreadPool / the best of piscina, tinypool, poolifier (${label})`,
            ratio: ours / best,
            min: 1.1,
          });
        }
        notes.push(
          `${grain.name} (${hashes} hashes, ${label}): ceiling / main thread ${(m('ceiling').median / m('main thread').median).toFixed(2)}`,
        );
      }
      return { rows, bars, notes };
    } finally {
      await Promise.all(closers.map((close) => close()));
    }
  },
};
