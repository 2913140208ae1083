import calculateSlot from 'cluster-key-slot';
import type { ChainableCommander, Cluster } from 'ioredis';
import { TaskError } from '../utils/errors.js';
import { runAllMultithreaded } from '../concurrency/index.js';
import { assertInteger, assertKnownKeys, assertOptionalSignal, assertOptionsObject } from '../utils/validate.js';
import { masterForSlot } from './cluster-nodes.js';
import { isCluster, useRedis, type RedisClient } from './connection.js';
import { BulkOperationError, bulkFailure } from './errors.js';

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

/** Options shared by the bulk operations. */
export interface BulkOptions {
  /** The client to use. Default: the shared connection (`connect()`), opened on first use. */
  redis?: RedisClient;
  /** Aborting stops sending batches and rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Most items per batch (one pipeline round trip). Default 500. */
  batchSize?: number;
  /** Most batches in flight at once. Default: runAllMultithreaded's default. */
  concurrency?: number;
}

/** Measured by `npm run bench` (getMany, setMany): 500 is on the plateau from 250 to 1000. */
export const DEFAULT_BATCH_SIZE = 500;

export function validateBulkOptions(options: BulkOptions | undefined): Required<Pick<BulkOptions, 'batchSize'>> {
  assertOptionsObject(options, 'options');
  assertKnownKeys(options, ['redis', 'signal', 'batchSize', 'concurrency'], 'options');
  assertOptionalSignal(options?.signal, 'signal');
  const batchSize = options?.batchSize ?? DEFAULT_BATCH_SIZE;
  assertInteger(batchSize, 'batchSize', 1);
  if (options?.concurrency !== undefined) assertInteger(options.concurrency, 'concurrency', 1, true);
  return { batchSize };
}

/** How items map to commands: many keys in one command (MGET, MSET, UNLINK), or one command each (SET EX, PUBLISH). */
export type CommandShape = 'multi-key' | 'per-item';

/**
 * Splits item positions into batches of at most `batchSize` items, each sent as one command
 * (a batch of one group) or one pipeline. On a cluster, items are grouped by the hash slot of
 * their key, so a multi-key command never spans slots (no CROSSSLOT), and a batch only holds
 * slots served by one node, so its pipeline is one round trip to one node, as ioredis requires.
 * Items without keys (`keys` undefined: PUBLISH) may go anywhere.
 */
export function planBatches(
  client: RedisClient,
  keys: readonly string[] | undefined,
  count: number,
  batchSize: number,
  shape: CommandShape,
): Batch[] {
  if (keys === undefined || !isCluster(client)) {
    const batches: Batch[] = [];
    for (let start = 0; start < count; start += batchSize) {
      const indexes = Array.from({ length: Math.min(batchSize, count - start) }, (_, i) => start + i);
      batches.push({ groups: shape === 'multi-key' ? [{ indexes }] : indexes.map((index) => ({ indexes: [index] })) });
    }
    return batches;
  }
  const bySlot = new Map<number, number[]>();
  // ioredis routes by the key it sends, with the client's keyPrefix in front: so must we.
  const prefix = (client.options as { keyPrefix?: string }).keyPrefix ?? '';
  keys.forEach((key, index) => {
    const slot = calculateSlot(prefix + key);
    const indexes = bySlot.get(slot);
    if (indexes === undefined) bySlot.set(slot, [index]);
    else indexes.push(index);
  });
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
  const batches: Batch[] = [];
  for (const { slot, groups } of byNode.values()) {
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
  }
  return batches;
}

/** The node (master and replicas, as ioredis names them) that serves `slot`; the slot itself if unknown. */
function nodeOfSlot(cluster: Cluster, slot: number): string {
  return cluster.slots[slot]?.join(',') ?? `slot:${slot}`;
}

/**
 * Where a batch goes. Commands with keys go through the client (on a cluster, ioredis routes
 * them by key and follows MOVED). Keyless commands (PUBLISH) would go to a random node; with
 * `route: 'slot-owner'` a cluster batch goes to the master of its slot instead, so that all
 * items planned under one key (a channel) leave in order from one node.
 */
export type Route = 'client' | 'slot-owner';

function targetOf(client: RedisClient, batch: Batch, route: Route): RedisClient {
  if (route === 'client' || !isCluster(client) || batch.slot === undefined) return client;
  return masterForSlot(client, batch.slot) ?? client;
}

/** What one group's command answered: the reply, or the error that group alone got. */
export type GroupOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Queues (on a pipeline) or sends (on a client) the one command of a group. A client takes
 * the same calls as a pipeline and returns a promise of the reply instead of the pipeline;
 * that promise is what the caller awaits, so one callback serves both.
 */
export type GroupCommand = (target: ChainableCommander, group: Group) => unknown;

/**
 * Sends every batch (concurrently, through runAllMultithreaded): a batch of one group is a
 * single command, a larger batch one pipeline. Every group's outcome is handed to `onGroup`;
 * a failed batch fails each of its groups. Nothing is dropped silently: the caller decides
 * what a failure means.
 */
export async function sendBatches(
  client: RedisClient,
  batches: Batch[],
  options: BulkOptions | undefined,
  command: GroupCommand,
  onGroup: (group: Group, outcome: GroupOutcome) => void,
  route: Route = 'client',
): Promise<void> {
  // Batches already sent when a run stops early (abort) still get their outcomes reported:
  // wait for them, so the caller learns exactly which items were done.
  const inFlight = new Set<Promise<void>>();
  const sendBatch = async (batch: Batch): Promise<void> => {
    const target = targetOf(client, batch, route);
    if (batch.groups.length === 1) {
      const group = batch.groups[0]!;
      try {
        onGroup(group, { ok: true, value: await command(target as unknown as ChainableCommander, group) });
      } catch (error) {
        onGroup(group, { ok: false, error });
      }
      return;
    }
    const pipeline = target.pipeline();
    for (const group of batch.groups) command(pipeline, group);
    let replies: [Error | null, unknown][] | null;
    try {
      replies = await pipeline.exec();
    } catch (error) {
      for (const group of batch.groups) onGroup(group, { ok: false, error });
      return;
    }
    batch.groups.forEach((group, i) => {
      const [error, value] = replies?.[i] ?? [new Error('no reply for this command'), undefined];
      onGroup(group, error === null ? { ok: true, value } : { ok: false, error });
    });
  };
  try {
    await runAllMultithreaded(
      (batch: Batch) => {
        const sending = sendBatch(batch);
        inFlight.add(sending);
        return sending.finally(() => inFlight.delete(sending));
      },
      batches,
      { signal: options?.signal, concurrency: options?.concurrency },
    );
  } catch (error) {
    await Promise.allSettled([...inFlight]);
    throw error;
  }
}

/**
 * Runs a bulk operation: plans batches, sends them all, hands each group's reply to
 * `onReply`, and collects per-item failures. If any item failed, rejects with a
 * BulkOperationError listing exactly which (the rest were sent), or a RedisClosedError when
 * the connection was closed before anything went out.
 */
export async function runBulk(
  operation: string,
  keys: readonly string[] | undefined,
  count: number,
  shape: CommandShape,
  options: BulkOptions | undefined,
  command: GroupCommand,
  onReply?: (group: Group, reply: unknown) => void,
  route: Route = 'client',
): Promise<void> {
  const { batchSize } = validateBulkOptions(options);
  if (count === 0) return;
  const client = await useRedis(options?.redis);
  const failures: TaskError[] = [];
  const settled = new Uint8Array(count);
  try {
    await sendBatches(
      client,
      planBatches(client, keys, count, batchSize, shape),
      options,
      command,
      (group, outcome) => {
        for (const index of group.indexes) settled[index] = 1;
        if (outcome.ok) onReply?.(group, outcome.value);
        else for (const index of group.indexes) failures.push(new TaskError(index, outcome.error));
      },
      route,
    );
  } catch (error) {
    // Aborted: every item that did not complete is reported, with the abort as its cause.
    if (options?.signal?.aborted !== true) throw error;
    for (let index = 0; index < count; index++) if (settled[index] === 0) failures.push(new TaskError(index, error));
    throw new BulkOperationError(operation, count, failures, { cause: error });
  }
  if (failures.length > 0) throw bulkFailure(operation, count, failures);
}
