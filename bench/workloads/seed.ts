// DESIGN §7: 100k background tasks drained against runAllMultithreaded of the same work, and
// 1M items streamed through streamAllMultithreaded with the growth of RSS measured.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { drainBackgroundTasks, runAllMultithreaded, startNewThread } from '../../src/utils/multithreading.js';
import { deletePrefix, measureRounds, spread, type Workload } from '../harness.js';

const execFileAsync = promisify(execFile);

const TASKS = 100_000;
const STREAMED = 1_000_000;
const background = '100k background tasks (SET each)';
const streamed = '1M items streamed';

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

      log(`streaming ${STREAMED} items in a fresh process`);
      const script = fileURLToPath(new URL('../stream-rss.js', import.meta.url));
      const { stdout } = await execFileAsync(process.execPath, ['--expose-gc', script]);
      const { opsPerSec, growthMb } = JSON.parse(stdout) as { opsPerSec: number; growthMb: number };
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
          {
            workload: streamed,
            contender: 'streamAllMultithreaded (default options)',
            opsPerSec,
            note: `peak RSS growth ${growthMb.toFixed(1)} MB`,
          },
        ],
        bars: [
          // "drain ≤ 1.2× the time of runAllMultithreaded" is a rate of at least 1/1.2 of it.
          {
            workload: background,
            description: 'drain time / runAllMultithreaded time',
            ratio: runAll.median / drain.median,
            max: 1.2,
          },
          { workload: streamed, description: 'peak RSS growth in MB (bar: ≤ 50 MB)', ratio: growthMb, max: 50 },
        ],
      };
    } finally {
      await deletePrefix(redis, prefix);
      redis.disconnect();
    }
  },
};
