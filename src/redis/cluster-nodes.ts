import type { Cluster, Redis } from 'ioredis';

/** The master connection that serves `slot`, per the cluster's current slot map. */
export function masterForSlot(cluster: Cluster, slot: number): Redis | undefined {
  const owner = cluster.slots[slot]?.[0];
  if (owner === undefined) return undefined;
  return cluster.nodes('master').find((node) => `${node.options.host}:${node.options.port}` === owner);
}
