// Global setup of the unit project: compiles the code its worker threads run (thread-build.ts),
// before the run and again before each rerun in watch mode, so that threads never run stale code.
import type { TestProject } from 'vitest/node';
import { buildThreadModules } from './thread-build.js';

export default async function setup(project: TestProject): Promise<void> {
  await buildThreadModules();
  project.onTestsRerun(() => buildThreadModules());
}
