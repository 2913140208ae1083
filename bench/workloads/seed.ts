// DESIGN §7: 100k background tasks drained against runAllMultithreaded of the same work, and
// 1M and 3M items streamed through streamAllMultithreaded with the growth of peak RSS measured:
// memory must not grow with the input's length (3M within 10 MB of 1M). The absolute growth is
// mostly V8 sizing its young generation to the allocation rate, which is not ours to bound.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { deleteKeysUnder } from '../../src/redis/index.js';
import { drainBackgroundTasks, runAllMultithreaded, startNewThread } from '../../src/concurrency/index.js';
import { measureRounds, spread, type Workload } from '../harness.js';

const execFileAsync = promisify(execFile);

const TASKS = 100_000;
const STREAMED = [1_000_000, 3_000_000];
/** Fresh processes per length; the median growth counts (one GC more or less moves a single run). */
const STREAM_RUNS = 5;
const background = '100k background tasks (SET each)';
const streamed = '1M vs 3M items streamed';

export const seed: Workload = {
  name: 'seed module: background tasks and streaming',
  async run({ rounds, log, namespace, client }) {
    const redis = client();
    const prefix = `${namespace}background:`;
    try {
      const items = Array.from({ length: TASKS }, (_, i) => i);
      const write = (i: number): Promise<unknown> => redis.set(`${prefix}${i}`, 'v');
      const writeInBackground = startNewThread(write, { name: 'bench write' });
      log(`measuring 2 contenders × ${rounds} rounds`);
      const measured = await measureRounds(rounds, [
        {
          name: 'drain',
          ops: TASKS,
          run: async () => {
            for (const i of items) writeInBackground(i);
            await drainBackgroundTasks();
          },
        },
        { name: 'runAll', ops: TASKS, run: () => runAllMultithreaded(write, items) },
      ]);
      const drain = measured.get('drain')!;
      const runAll = measured.get('runAll')!;

      const script = fileURLToPath(new URL('../stream-rss.js', import.meta.url));
      const streams: { items: number; opsPerSec: number; growthMb: number }[] = [];
      for (const items of STREAMED) {
        const runs: { opsPerSec: number; growthMb: number }[] = [];
        for (let run = 0; run < STREAM_RUNS; run++) {
          log(`streaming ${items} items in a fresh process (${run + 1}/${STREAM_RUNS})`);
          const { stdout } = await execFileAsync(process.execPath, ['--expose-gc', script, String(items)]);
          runs.push(JSON.parse(stdout) as { opsPerSec: number; growthMb: number });
        }
        runs.sort((a, b) => a.growthMb - b.growthMb);
        streams.push({ items, ...runs[STREAM_RUNS >> 1]! });
      }
      const [short, long] = streams as [(typeof streams)[0], (typeof streams)[0]];
      return {
        rows: [
          {
            workload: background,
            contender: 'startNewThread × 100k, then drainBackgroundTasks()',
            opsPerSec: drain.median,
            note: spread(drain),
          },
          {
            workload: background,
            contender: 'runAllMultithreaded of the same work',
            opsPerSec: runAll.median,
            note: spread(runAll),
          },
          ...streams.map(({ items, opsPerSec, growthMb }) => ({
            workload: streamed,
            contender: `streamAllMultithreaded (default options), ${items / 1e6}M items`,
            opsPerSec,
            note: `peak RSS growth ${growthMb.toFixed(1)} MB (median of ${STREAM_RUNS} processes)`,
          })),
        ],
        bars: [
          // "drain ≤ 1.1× the time of runAllMultithreaded" (issue 20): the ratio of the rates.
          {
            workload: background,
            description: 'drain time / runAllMultithreaded time',
            ratio: runAll.median / drain.median,
            max: 1.1,
          },
          {
            workload: streamed,
            description: 'peak RSS growth, 3M items minus 1M items, in MB (bar: within 10 MB)',
            ratio: long.growthMb - short.growthMb,
            max: 10,
          },
        ],
      };
    } finally {
      await deleteKeysUnder(prefix, { redis });
      redis.disconnect();
    }
  },
};
