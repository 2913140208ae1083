// Global setup of the unit project: compiles the code its worker threads run (thread-build.ts).
import { buildThreadModules } from './thread-build.js';

export default async function setup(): Promise<void> {
  await buildThreadModules();
}
