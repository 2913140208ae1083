import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';
import { interopExclusions } from './test/interop/availability.js';

/**
 * A test file that needs no server (no Redis, no cluster, no redis-server of its own) says so on
 * a line of its own: `// test tier: unit`. Those files make the `unit` project
 * (`npm run test:unit`), which starts nothing: their REDIS_URL is a closed port, so a file that
 * reaches for a server after all fails in every run;
 * the rest make the `redis` project, whose global setup provides the single Redis (guarded)
 * and the local cluster. `npm test` runs both.
 */
const UNIT_MARKER = /^\/\/ test tier: unit\b/m;
const unitFiles = readdirSync('test', { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.test.ts') && !file.startsWith('interop/vendor/'))
  .map((file) => join('test', file))
  .filter((file) => UNIT_MARKER.test(readFileSync(file, 'utf8')));

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Files share one Redis (each with its own key prefix); two workers match the 2-core CI machine.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        // A closed port: a unit file that reaches for Redis after all fails, in every run.
        test: { name: 'unit', include: unitFiles, env: { REDIS_URL: 'redis://127.0.0.1:1' } },
      },
      {
        extends: true,
        test: {
          name: 'redis',
          include: ['test/**/*.test.ts'],
          // The live Python Popoto suite needs python3 and Popoto: without them it is left out with
          // one line saying why, unless POPOTO_INTEROP=required (CI), which makes that an error.
          exclude: [...configDefaults.exclude, ...unitFiles, ...interopExclusions()],
          globalSetup: ['test/helpers/global-setup.ts'],
        },
      },
    ],
  },
});
