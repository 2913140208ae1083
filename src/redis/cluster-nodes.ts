import type { Cluster, Redis } from 'ioredis';

/** The master connection that serves `slot`, per the cluster's current slot map. */
export function masterForSlot(cluster: Cluster, slot: number): Redis | undefined {
  const owner = cluster.slots[slot]?.[0];
  if (owner === undefined) return undefined;
  return nodeByAddress(cluster, owner, 'master');
}

/** The connection to the node at `host:port` that the cluster client holds, if any. */
export function nodeByAddress(cluster: Cluster, address: string, role: 'master' | 'all' = 'all'): Redis | undefined {
  return cluster.nodes(role).find((node) => `${node.options.host}:${node.options.port}` === address);
}

/**
 * Asks the cluster for its current slot map (CLUSTER SLOTS, through ioredis, which also connects
 * to new masters) and waits for the answer, at most `timeoutMs`. Errors are not thrown: the
 * commands that follow report what is still wrong.
 */
export function refreshSlots(cluster: Cluster, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    cluster.refreshSlotsCache(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
