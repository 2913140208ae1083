import type { TestProject } from 'vitest/node';
import { resolveDefaultRedis } from '../../src/redis/default-server.js';
import type { EmbeddedRedis } from '../../src/redis/embedded-server.js';
import { startLocalCluster, type LocalCluster } from './local-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    /** Seed nodes of the local 3-master cluster, `host:port,...`. */
    clusterNodes: string;
  }
}

let embedded: EmbeddedRedis | undefined;
let cluster: LocalCluster | undefined;

/**
 * Single Redis: REDIS_URL if set, else 127.0.0.1:6379 if it answers, else a private
 * redis-server on a free port. Cluster: always a local 3-master cluster started here; failing
 * to start it fails the run (never a skip).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const resolved = await resolveDefaultRedis();
  embedded = resolved.embedded;
  project.provide('redisUrl', resolved.url);
  cluster = await startLocalCluster(3);
  project.provide('clusterNodes', cluster.nodes);
  return async () => {
    await cluster?.stop();
    await embedded?.stop();
  };
}
