import type { ChainableCommander, Cluster, Redis } from 'ioredis';
import { TaskError } from '../utils/errors.js';
import { runAllMultithreaded, type RetryOptions } from '../concurrency/index.js';
import { normalizeRunOptions, type RetryPolicy } from '../concurrency/run-options.js';
import { backoffMs } from '../concurrency/task-policy.js';
import { assertInteger, assertKnownKeys, assertOptionalSignal, assertOptionsObject } from '../utils/validate.js';
import { timeoutOf, untilReady } from './availability.js';
import { masterForSlot, nodeByAddress, refreshSlots } from './cluster-nodes.js';
import { assertOptionalSource, isCluster, useRedis, type RedisClient, type RedisSource } from './connection.js';
import { keyPrefixOf, prefixIn } from './client-shape.js';
import { bulkFailure, isClosedError } from './errors.js';
import { pauseOn, redirectDelayMs, redirectedTooLong, redirectOf, type Redirect } from './redirects.js';
import { keySlot } from './key-slot.js';
import { redactError, secretsOf } from './secrets.js';

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
  /**
   * The client to use: an ioredis 5 or 6 Redis or Cluster, or the `RedisConnection` whose client
   * to use. Default: the shared connection (`connect()`), opened on first use.
   */
  redis?: RedisSource;
  /** Aborting stops sending batches and rejects with a BulkOperationError whose `cause` is `signal.reason`. */
  signal?: AbortSignal;
  /** Most items per batch (one pipeline round trip). Default 500. */
  batchSize?: number;
  /** Most batches in flight at once: an integer >= 1 or Infinity. Default: runAllMultithreaded's default. */
  concurrency?: number;
  /**
   * Retries for the items that failed, with the shape of `runAllMultithreaded`'s: a count, or
   * `{ retries, minDelayMs, maxDelayMs, retryIf }` (exponential backoff with jitter; `retryIf`
   * sees each item's error). Only failed items are sent again, each round re-planned against the
   * cluster's current slot map, so a failover is ridden out. Default: no retry. Not for
   * `publishMany`. A connection closed with `disconnect()` is never retried.
   */
  retries?: number | RetryOptions;
}

/** Measured by `npm run bench` (getMany, setMany): 500 is on the plateau from 250 to 1000. */
export const DEFAULT_BATCH_SIZE = 500;

/** The options every bulk operation accepts; `publishMany` leaves out `retries`. */
const BULK_OPTION_NAMES = ['redis', 'signal', 'batchSize', 'concurrency', 'retries'] as const;

/** Bulk options checked (TypeError/RangeError naming the option), with defaults. */
export interface CheckedBulkOptions {
  batchSize: number;
  retry: RetryPolicy | undefined;
}

/**
 * Checks the bulk options before anything is sent. `retries: false` is for operations that must
 * not repeat an item (PUBLISH): the option is then refused with the reason.
 */
export function validateBulkOptions(
  options: BulkOptions | undefined,
  operation = 'this operation',
  allowRetries = true,
): CheckedBulkOptions {
  assertOptionsObject(options, 'options');
  if (!allowRetries && options?.retries !== undefined) {
    throw new TypeError(
      `${operation} takes no retries option: a PUBLISH whose reply was lost may still have been delivered, so ` +
        'sending it again could deliver it twice; retry error.failedIndexes yourself if at-least-once is what you want',
    );
  }
  assertKnownKeys(options, allowRetries ? BULK_OPTION_NAMES : BULK_OPTION_NAMES.slice(0, -1), 'options');
  assertOptionalSignal(options?.signal, 'signal');
  assertOptionalSource(options?.redis);
  const batchSize = options?.batchSize ?? DEFAULT_BATCH_SIZE;
  assertInteger(batchSize, 'batchSize', 1);
  // The same rules (and messages) as runAllMultithreaded's options.
  const { retry } = normalizeRunOptions({ concurrency: options?.concurrency, retries: options?.retries }, 'run');
  return { batchSize, retry };
}

/** How items map to commands: many keys in one command (MGET, MSET, UNLINK), or one command each (SET EX, PUBLISH). */
export type CommandShape = 'multi-key' | 'per-item';

/** Extra inputs of `planBatches`. */
export interface PlanOptions {
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
export function planBatches(
  client: RedisClient,
  keys: readonly string[] | undefined,
  count: number,
  batchSize: number,
  shape: CommandShape,
  plan: PlanOptions = {},
): Batch[] {
  const positions = plan.indexes;
  const total = positions?.length ?? count;
  const at = positions === undefined ? (i: number) => i : (i: number) => positions[i]!;
  if (keys === undefined || !isCluster(client)) {
    const batches: Batch[] = [];
    for (let start = 0; start < total; start += batchSize) {
      const indexes = Array.from({ length: Math.min(batchSize, total - start) }, (_, i) => at(start + i));
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
 * Where a batch goes on a cluster:
 * - `client`: through the Cluster client, which routes each command by ioredis's own slot
 *   computation and follows MOVED (what models use: their keys are hash-tagged, which ioredis
 *   hashes right).
 * - `slot-owner`: to the master of the batch's slot, falling back to the client when the slot's
 *   master is unknown (keyless PUBLISH: any node delivers, the owner only keeps a channel's
 *   messages in order).
 * - `direct`: to the master of the batch's slot, never elsewhere (the bulk key operations: ioredis
 *   computes some keys' slots differently from Redis, so its routing cannot be trusted with them).
 */
export type Route = 'client' | 'slot-owner' | 'direct';

/** A cluster's slot has no master we hold a connection to (failing over, resharding): retried after a slot refresh. */
class NoSlotOwnerError extends Error {
  override readonly name = 'NoSlotOwnerError';
}

function targetOf(client: RedisClient, batch: Batch, route: Route): RedisClient {
  if (route === 'client' || !isCluster(client) || batch.slot === undefined) return client;
  const owner = masterForSlot(client, batch.slot);
  if (owner !== undefined) return owner;
  if (route === 'slot-owner') return client;
  throw new NoSlotOwnerError(
    `no connection to the master serving hash slot ${batch.slot} (the cluster may be failing over or resharding)`,
  );
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
 * what a failure means. `asking` sends each command after an ASKING (an ASK redirect).
 */
export async function sendBatches(
  client: RedisClient,
  batches: Batch[],
  options: Pick<BulkOptions, 'signal' | 'concurrency'> | undefined,
  command: GroupCommand,
  onGroup: (group: Group, outcome: GroupOutcome) => void,
  route: Route = 'client',
  asking?: Redis,
): Promise<void> {
  // Batches already sent when a run stops early (abort) still get their outcomes reported:
  // wait for them, so the caller learns exactly which items were done.
  const inFlight = new Set<Promise<void>>();
  const sendBatch = async (batch: Batch): Promise<void> => {
    let target: RedisClient;
    try {
      target = asking ?? targetOf(client, batch, route);
    } catch (error) {
      for (const group of batch.groups) onGroup(group, { ok: false, error });
      return;
    }
    if (batch.groups.length === 1 && asking === undefined) {
      const group = batch.groups[0]!;
      try {
        onGroup(group, { ok: true, value: await command(target as unknown as ChainableCommander, group) });
      } catch (error) {
        onGroup(group, { ok: false, error });
      }
      return;
    }
    const pipeline = target.pipeline();
    for (const group of batch.groups) {
      if (asking !== undefined) pipeline.asking();
      command(pipeline, group);
    }
    let replies: [Error | null, unknown][] | null;
    try {
      replies = await pipeline.exec();
    } catch (error) {
      for (const group of batch.groups) onGroup(group, { ok: false, error });
      return;
    }
    const step = asking === undefined ? 1 : 2;
    batch.groups.forEach((group, i) => {
      const [error, value] = replies?.[i * step + step - 1] ?? [new Error('no reply for this command'), undefined];
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

/** What a bulk operation is, for `runBulk`. */
export interface BulkSpec {
  /** Its name, for messages (`getMany`). */
  operation: string;
  /** The key of each item (a channel for PUBLISH): what routes it on a cluster. */
  keys: readonly string[];
  shape: CommandShape;
  /**
   * Builds a group's command on `target`. `keyOf(i)` is the key to pass for item `i`: the input
   * key, adjusted when the command goes straight to a cluster node whose own keyPrefix differs
   * from the Cluster's (see `keyArgumentsFor`).
   */
  command: (target: ChainableCommander, group: Group, keyOf: (index: number) => string) => unknown;
  /** Called with each group's reply. */
  onReply?: (group: Group, reply: unknown) => void;
  /** PUBLISH: routed by channel (not prefixed by ioredis), any node may take it, never retried. */
  keyless?: boolean;
  /** Values per item gathered so far, attached to the BulkOperationError (`results`). */
  results?: unknown[];
}

/** A redirect (see `redirectOf`), or a slot whose master we hold no connection to, which is followed like a MOVED. */
function redirectOrMissingOwner(error: unknown): Redirect | undefined {
  if (error instanceof NoSlotOwnerError) return { kind: 'moved' };
  return redirectOf(error);
}

/**
 * Runs a bulk operation: plans batches, sends them all, hands each group's reply to `onReply`,
 * and collects per-item failures.
 *
 * On a cluster every batch goes straight to the master of its slot, computed as Redis does;
 * MOVED, ASK, TRYAGAIN and CLUSTERDOWN answers (a resharding, a failover) are followed by
 * sending those items again (after a slot refresh, to the ASK target, or after a pause), by the
 * one redirect rule (redirects.ts: backoff until `timeoutMs`), and never reach the caller as
 * such: past that the items fail with a RedisUnavailableError. A cluster client that is not ready is waited for, as long. With `retries`, the items that still failed are
 * sent again with backoff, re-planned each round. If any item failed in the end, rejects with a
 * BulkOperationError listing exactly which (not confirmed), or a RedisClosedError when the
 * connection was closed meanwhile.
 */
export async function runBulk(spec: BulkSpec, options: BulkOptions | undefined): Promise<void> {
  const { operation, keys } = spec;
  const { batchSize, retry } = validateBulkOptions(options, operation, spec.keyless !== true);
  const count = keys.length;
  if (count === 0) return;
  const client = await useRedis(options?.redis);
  const keyOf = keyArgumentsFor(client, keys);
  const secrets = secretsOf(client);
  const signal = options?.signal;
  const route: Route = spec.keyless === true ? 'slot-owner' : 'direct';
  const planOptions = spec.keyless === true ? { keyPrefix: '' } : {};
  const command: GroupCommand = (target, group) => spec.command(target, group, keyOf);
  const concurrency = options?.concurrency;
  // Errors already scrubbed in this call: a failed group (or pipeline) hands one error to all
  // its items, and it is walked once, not once per item.
  const redacted = new WeakSet<object>();

  const plan = (indexes: readonly number[] | undefined): Batch[] =>
    planBatches(client, keys, count, batchSize, spec.shape, { ...planOptions, indexes });

  /**
   * Sends `indexes` (all items when undefined) once, following cluster redirects. Resolves with
   * the items that failed and why; `aborted` when the caller's signal stopped it, the items it
   * did not get to then failed with the signal's reason.
   */
  const attempt = async (
    indexes: readonly number[] | undefined,
  ): Promise<{ failed: Map<number, unknown>; aborted: boolean }> => {
    const failed = new Map<number, unknown>();
    // Redirects are followed for at most timeoutMs: a cluster that is failing over or
    // resharding settles within that, or its items fail and `retries` takes over.
    const budget = timeoutOf(client);
    const deadline = Date.now() + budget;
    if (isCluster(client)) await untilReady(client, budget);
    // The round's items, ascending (undefined: all `count` of them), and how they are sent.
    let round = indexes;
    let pending: { batches: Batch[]; asking?: Redis }[] = [{ batches: plan(round) }];
    for (let redirections = 0; pending.length > 0; redirections++) {
      const lastRound = Date.now() >= deadline;
      const moved: number[] = [];
      const asked = new Map<string, number[]>();
      let wait = false;
      // Which of the round's items got an outcome, a byte each by position in `round` (only read
      // if the caller aborts): cheaper than a Set on the hot path, and sized to the round, so a
      // round that sends 3 items again allocates 3 bytes, not one per item of the call.
      const items = round;
      const settled = new Uint8Array(items?.length ?? count);
      const outcome = (group: Group, result: GroupOutcome): void => {
        if (items === undefined) for (const index of group.indexes) settled[index] = 1;
        else for (const index of group.indexes) settled[positionIn(items, index)] = 1;
        if (result.ok) {
          spec.onReply?.(group, result.value);
          return;
        }
        const redirect = isCluster(client) ? redirectOrMissingOwner(result.error) : undefined;
        if (redirect === undefined || lastRound) {
          const error = redactError(
            redirect === undefined
              ? result.error
              : redirectedTooLong(result.error, Date.now() - deadline + budget, budget),
            secrets,
            redacted,
          );
          for (const index of group.indexes) failed.set(index, error);
        } else if (redirect.kind === 'ask') {
          const list = asked.get(redirect.address) ?? [];
          asked.set(redirect.address, list);
          list.push(...group.indexes);
        } else {
          moved.push(...group.indexes);
          wait ||= redirect.kind === 'wait';
        }
      };
      const abandon = (items: Iterable<number>): { failed: Map<number, unknown>; aborted: boolean } => {
        for (const index of items) if (!failed.has(index)) failed.set(index, signal?.reason);
        return { failed, aborted: true };
      };
      try {
        for (const { batches, asking } of pending) {
          await sendBatches(client, batches, { signal, concurrency }, command, outcome, route, asking);
        }
      } catch (error) {
        if (signal?.aborted !== true) throw error;
        const unsettled =
          items === undefined
            ? Array.from({ length: count }, (_, index) => index).filter((index) => settled[index] === 0)
            : items.filter((_, position) => settled[position] === 0);
        return abandon(unsettled);
      }
      pending = [];
      if (moved.length === 0 && asked.size === 0) break;
      round = [...moved, ...[...asked.values()].flat()].sort((a, b) => a - b);
      const cluster = client as Cluster;
      // The first MOVED or ASK is followed at once (a slot refresh is the wait); anything else,
      // and any redirect after that, waits its turn in the backoff, within what is left of timeoutMs.
      const delay = wait || redirections > 0 ? Math.min(redirectDelayMs(redirections), deadline - Date.now()) : 0;
      const waited = delay > 0 ? await pauseOn(delay, client, signal) : true;
      if (!waited) return abandon(round);
      const remaining = Math.max(0, deadline - Date.now());
      if (cluster.status !== 'ready') await untilReady(cluster, remaining);
      else if (!wait || asked.size > 0) await refreshSlots(cluster, remaining);
      if (moved.length > 0) pending.push({ batches: plan(moved.sort((a, b) => a - b)) });
      for (const [address, list] of asked) {
        // An ASK target we hold no connection to: after the refresh, the slot's owner redirects again.
        const node = nodeByAddress(cluster, address);
        pending.push({ batches: plan(list.sort((a, b) => a - b)), ...(node === undefined ? {} : { asking: node }) });
      }
    }
    return { failed, aborted: false };
  };

  const first = await attempt(undefined);
  const failed = first.failed;
  let aborted = first.aborted;
  for (let round = 0; !aborted && failed.size > 0 && retry !== undefined && round < retry.retries; round++) {
    if (client.status === 'end' || [...failed.values()].some(isClosedError)) break;
    const retryable: number[] = [];
    for (const [index, error] of failed) {
      try {
        if (retry.retryIf === undefined || retry.retryIf(error)) retryable.push(index);
      } catch (verdict) {
        // As in runAllMultithreaded: a retryIf that throws fails the item with what it threw.
        failed.set(index, verdict);
      }
    }
    if (retryable.length === 0) break;
    if (!(await pauseOn(backoffMs(retry, round), client, signal))) {
      aborted = true;
      break;
    }
    if (isCluster(client)) await refreshSlots(client, timeoutOf(client));
    const again = await attempt(retryable.sort((a, b) => a - b));
    for (const index of retryable) {
      if (again.failed.has(index)) failed.set(index, again.failed.get(index));
      else failed.delete(index);
    }
    aborted = again.aborted;
  }
  if (aborted) {
    throw bulkFailure(operation, count, toTaskErrors(failed), {
      closed: false,
      cause: signal?.reason,
      results: spec.results,
    });
  }
  if (failed.size > 0) {
    throw bulkFailure(operation, count, toTaskErrors(failed), {
      closed: client.status === 'end' || [...failed.values()].some(isClosedError),
      results: spec.results,
    });
  }
}

/** Where `index` sits in `sorted` (ascending, and holding it): a binary search. */
function positionIn(sorted: readonly number[], index: number): number {
  let low = 0;
  let high = sorted.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! < index) low = middle + 1;
    else high = middle;
  }
  return low;
}

function toTaskErrors(failed: Map<number, unknown>): TaskError[] {
  return [...failed].map(([index, error]) => new TaskError(index, error));
}

/**
 * The key to pass for each input key so that the key Redis receives is the one planned for:
 * the input key itself, except on a cluster whose own `keyPrefix` is not the one its node
 * connections add (ioredis copies `redisOptions.keyPrefix` to the Cluster, not the other way).
 */
function keyArgumentsFor(client: RedisClient, keys: readonly string[]): (index: number) => string {
  if (!isCluster(client)) return (i) => keys[i]!;
  const wire = keyPrefixOf(client);
  const nodePrefix = prefixIn(client.options.redisOptions);
  if (wire === nodePrefix) return (i) => keys[i]!;
  if (!wire.startsWith(nodePrefix)) {
    throw new TypeError(
      `redis: a Cluster whose keyPrefix (${JSON.stringify(wire)}) does not start with its redisOptions.keyPrefix ` +
        `(${JSON.stringify(nodePrefix)}) cannot be used by the bulk operations`,
    );
  }
  const extra = wire.slice(nodePrefix.length);
  return (i) => extra + keys[i]!;
}
