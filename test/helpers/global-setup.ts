import type { TestProject } from 'vitest/node';
import { resolveDefaultRedis } from '../../src/redis/default-server.js';
import type { EmbeddedRedis } from '../../src/redis/embedded-server.js';
import { failOnDamage, guardRun, type RunGuard } from './data-guard.js';
import { startLocalCluster, type LocalCluster } from './local-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    /** Seed nodes of the local 3-master cluster, `host:port,...`. */
    clusterNodes: string;
    /** Every key this run writes to the single Redis starts with it: `popoto-test:<run id>:`. */
    runPrefix: string;
  }
}

let embedded: EmbeddedRedis | undefined;
let cluster: LocalCluster | undefined;
let guard: RunGuard | undefined;

/**
 * Single Redis: REDIS_URL if set, else 127.0.0.1:6379 if it answers, else a private
 * redis-server on a free port. Cluster: always a local 3-master cluster started here; failing
 * to start it fails the run (never a skip). The single Redis may hold a user's data, so the
 * run is guarded (see data-guard.ts): damage to it, or keys left behind, fail the run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const resolved = await resolveDefaultRedis();
  embedded = resolved.embedded;
  project.provide('redisUrl', resolved.url);
  guard = await guardRun(resolved.url);
  project.provide('runPrefix', guard.runPrefix);
  cluster = await startLocalCluster(3);
  project.provide('clusterNodes', cluster.nodes);
  return async () => {
    try {
      await failOnDamage(guard);
    } finally {
      await cluster?.stop();
      await embedded?.stop();
    }
  };
}
