import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';
import { interopExclusions } from './test/interop/availability.js';
import { threadModulesFromBuild } from './test/helpers/thread-modules-plugin.js';

/**
 * Each test file says on a line of its own what it needs, and that picks its project:
 * - `// test tier: unit`: no server at all (no Redis, no cluster, no redis-server of its own).
 *   The `unit` project (`npm run test:unit`) starts nothing: its REDIS_URL is a closed port, so a
 *   file that reaches for a server after all fails in every run.
 * - `// needs: local cluster`: the shared local 3-master cluster. The `cluster` project starts it
 *   (test/helpers/cluster-setup.ts) only when one of these files runs; any other file asking for
 *   it fails (test/helpers/redis.ts).
 * - neither: the `redis` project, which provides the single Redis.
 * The single Redis and its data guard are shared by the `redis` and `cluster` projects
 * (test/helpers/global-setup.ts). `npm test` runs all four.
 */
const testFiles = readdirSync('test', { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.test.ts') && !file.startsWith('interop/vendor/'))
  .map((file) => join('test', file));
const marked = (marker: RegExp): string[] => testFiles.filter((file) => marker.test(readFileSync(file, 'utf8')));
const unitFiles = marked(/^\/\/ test tier: unit\b/m);
const clusterFiles = marked(/^\/\/ needs: local cluster\b/m);
/** The REDIS_URL of the projects that need no server: nothing listens there. */
const CLOSED_PORT = 'redis://127.0.0.1:1';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Files share one Redis (each with its own key prefix); two workers match the 2-core CI machine.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        // Worker threads start on JavaScript compiled before the run (test/helpers/thread-fixtures.ts).
        plugins: [threadModulesFromBuild()],
        test: {
          name: 'unit',
          include: unitFiles,
          // Threads, not processes: a unit file needs nothing process-wide (no signals delivered, no
          // environment or working directory changed), and a thread starts in a fraction of a
          // process's time, which every file pays.
          pool: 'threads',
          // A closed port: a unit file that reaches for Redis after all fails, in every run.
          env: { REDIS_URL: CLOSED_PORT },
          globalSetup: ['test/helpers/unit-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'redis',
          include: ['test/**/*.test.ts'],
          // The live Python Popoto suite needs python3 and Popoto: without them it is left out with
          // one line saying why, unless POPOTO_INTEROP=required (CI), which makes that an error.
          exclude: [...configDefaults.exclude, ...unitFiles, ...clusterFiles, ...interopExclusions()],
          globalSetup: ['test/helpers/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'cluster',
          include: clusterFiles,
          globalSetup: ['test/helpers/global-setup.ts', 'test/helpers/cluster-setup.ts'],
        },
      },
    ],
  },
});
