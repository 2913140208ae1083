import type { TestProject } from 'vitest/node';
import { resolveDefaultRedis } from '../../src/redis/default-server.js';
import type { EmbeddedRedis } from '../../src/redis/embedded-server.js';
import { failOnDamage, guardRun, type RunGuard } from './data-guard.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    /** Every key this run writes to the single Redis starts with it: `popoto-test:<run id>:`. */
    runPrefix: string;
  }
}

/** The single Redis and its guard, one per run, whichever projects use them. */
interface SharedRun {
  url: string;
  guard: RunGuard;
  embedded: EmbeddedRedis | undefined;
  users: number;
}

/**
 * Vitest calls each project's global setup in the same main process, so the `redis` and
 * `cluster` projects meet here: one Redis, one guard, one run prefix for the whole run. Two
 * guards would each count the other's keys as strays (strict mode), and a second private
 * redis-server would only cost time.
 */
const SHARED = Symbol.for('popoto-ts.test.single-redis');
type WithShared = typeof globalThis & { [SHARED]?: Promise<SharedRun> };

async function openRun(): Promise<SharedRun> {
  const resolved = await resolveDefaultRedis();
  const guard = await guardRun(resolved.url);
  return { url: resolved.url, guard, embedded: resolved.embedded, users: 0 };
}

/**
 * Single Redis: REDIS_URL if set, else 127.0.0.1:6379 if it answers, else a private
 * redis-server on a free port. It may hold a user's data, so the run is guarded (see
 * data-guard.ts): damage to it, or keys left behind, fail the run. The guard is checked when
 * the last project using it tears down. The local cluster is not started here: only the
 * `cluster` project starts it (cluster-setup.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const global = globalThis as WithShared;
  const pending = (global[SHARED] ??= openRun());
  const run = await pending.catch((error: unknown) => {
    delete global[SHARED];
    throw error;
  });
  run.users++;
  project.provide('redisUrl', run.url);
  project.provide('runPrefix', run.guard.runPrefix);
  return async () => {
    if (--run.users > 0) return;
    delete global[SHARED];
    try {
      await failOnDamage(run.guard);
    } finally {
      await run.embedded?.stop();
    }
  };
}
