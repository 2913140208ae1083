import type { Cluster } from 'ioredis';
import { isCluster, keyPrefixOf, type RedisClient } from './client-shape.js';
import { keySlot } from './key-slot.js';

/** Items that travel in one command: on a cluster, keys of a single hash slot. */
export interface Group {
  /** Input positions of the group's items, in input order. */
  indexes: number[];
}

/** Groups sent together in one pipeline: on a cluster, all served by one node. */
export interface Batch {
  groups: Group[];
  /** On a cluster: one of the batch's hash slots (all of them live on the same node). */
  slot?: number;
}

/** How items map to commands: many keys in one command (MGET, MSET, UNLINK), or one command each (SET EX, PUBLISH). */
export type CommandShape = 'multi-key' | 'per-item';

/** How `planBatches` splits the items. */
export interface PlanOptions {
  /** Most items per batch. */
  batchSize: number;
  shape: CommandShape;
  /** How many items there are. Default: the number of keys. */
  count?: number;
  /** Plan only these input positions (ascending). Default: all `count` of them. */
  indexes?: readonly number[];
  /** Prepended to each key to find its slot. Default: the client's `keyPrefix`, which ioredis sends. */
  keyPrefix?: string;
}

/**
 * Splits item positions into batches of at most `batchSize` items, each sent as one command
 * (a batch of one group) or one pipeline. On a cluster, items are grouped by the hash slot of
 * their key (as Redis computes it, see `keySlot`), so a multi-key command never spans slots (no
 * CROSSSLOT), and a batch only holds slots served by one node, so its pipeline is one round trip
 * to one node. Items without keys (`keys` undefined) may go anywhere.
 */
export function planBatches(client: RedisClient, keys: readonly string[] | undefined, plan: PlanOptions): Batch[] {
  const { batchSize, shape } = plan;
  const count = plan.count ?? keys?.length ?? 0;
  const positions = plan.indexes;
  const total = positions?.length ?? count;
  const at = positions === undefined ? (i: number) => i : (i: number) => positions[i]!;
  if (keys === undefined || !isCluster(client)) {
    const batches: Batch[] = [];
    for (let start = 0; start < total; start += batchSize) {
      const indexes = new Array<number>(Math.min(batchSize, total - start));
      for (let i = 0; i < indexes.length; i++) indexes[i] = at(start + i);
      batches.push({ groups: shape === 'multi-key' ? [{ indexes }] : indexes.map((index) => ({ indexes: [index] })) });
    }
    return batches;
  }
  const bySlot = new Map<number, number[]>();
  const prefix = plan.keyPrefix ?? keyPrefixOf(client);
  for (let i = 0; i < total; i++) {
    const index = at(i);
    const slot = keySlot(prefix + keys[index]!);
    const indexes = bySlot.get(slot);
    if (indexes === undefined) bySlot.set(slot, [index]);
    else indexes.push(index);
  }
  const byNode = new Map<string, { slot: number; groups: Group[] }>();
  for (const [slot, indexes] of bySlot) {
    const node = nodeOfSlot(client, slot);
    let entry = byNode.get(node);
    if (entry === undefined) byNode.set(node, (entry = { slot, groups: [] }));
    const { groups } = entry;
    if (shape === 'per-item') {
      for (const index of indexes) groups.push({ indexes: [index] });
    } else {
      for (let start = 0; start < indexes.length; start += batchSize) {
        groups.push({ indexes: indexes.slice(start, start + batchSize) });
      }
    }
  }
  const perNode: Batch[][] = [];
  for (const { slot, groups } of byNode.values()) {
    const batches: Batch[] = [];
    let current: Batch = { groups: [], slot };
    let size = 0;
    for (const group of groups) {
      if (size + group.indexes.length > batchSize && current.groups.length > 0) {
        batches.push(current);
        current = { groups: [], slot };
        size = 0;
      }
      current.groups.push(group);
      size += group.indexes.length;
    }
    if (current.groups.length > 0) batches.push(current);
    perNode.push(batches);
  }
  return alternating(perNode);
}

/**
 * The batches of every node, taking one of each node in turn: batches are sent in this order,
 * a bounded number at a time, so every node gets work from the start instead of one after another.
 */
function alternating(perNode: Batch[][]): Batch[] {
  const batches: Batch[] = [];
  const longest = Math.max(0, ...perNode.map((node) => node.length));
  for (let i = 0; i < longest; i++) {
    for (const node of perNode) if (i < node.length) batches.push(node[i]!);
  }
  return batches;
}

/** The node (master and replicas, as ioredis names them) that serves `slot`; the slot itself if unknown. */
function nodeOfSlot(cluster: Cluster, slot: number): string {
  return cluster.slots[slot]?.join(',') ?? `slot:${slot}`;
}
