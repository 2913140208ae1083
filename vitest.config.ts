import { configDefaults, defineConfig } from 'vitest/config';
import { interopExclusions } from './test/interop/availability.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The live Python Popoto suite needs python3 and Popoto: without them it is left out with
    // one line saying why, unless POPOTO_INTEROP=required (CI), which makes that an error.
    exclude: [...configDefaults.exclude, ...interopExclusions()],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Files share one Redis (each with its own key prefix); two workers match the 2-core CI machine.
    maxWorkers: 2,
  },
});
