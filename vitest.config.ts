import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Files share one Redis (each with its own key prefix); two workers match the 2-core CI machine.
    maxWorkers: 2,
  },
});
