import type { TestProject } from 'vitest/node';
import { startLocalCluster } from './local-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Seed nodes of the local 3-master cluster, `host:port,...` (the `cluster` project only). */
    clusterNodes: string;
  }
}

/**
 * The local 3-master cluster, for the `cluster` project only: the files marked
 * `// needs: local cluster` (vitest.config.ts). Starting it takes seconds, so a run without
 * such a file starts none. Failing to start it fails the run (never a skip).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startLocalCluster(3);
  project.provide('clusterNodes', cluster.nodes);
  return () => cluster.stop();
}
