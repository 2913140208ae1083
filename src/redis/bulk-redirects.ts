import type { Cluster, Redis } from 'ioredis';
import { timeoutOf, untilReady } from './availability.js';
import type { Batch, Group } from './batch-plan.js';
import { redirectOrMissingOwner, type Route } from './batch-route.js';
import { sendBatches, type GroupCommand, type GroupOutcome, type WholeBatchCommand } from './batch-send.js';
import { nodeByAddress, refreshSlots } from './cluster-nodes.js';
import { isCluster, type RedisClient } from './client-shape.js';
import { pauseOn, redirectDelayMs, redirectedTooLong } from './redirects.js';

// Why the bulk operations follow redirects themselves rather than leave them to ioredis Cluster:
// their batches go straight to each slot's master (route 'direct': ioredis computes some keys'
// slots unlike Redis, see batch-route.ts), as pipelines on that node's own connection, and a
// node connection is a plain Redis client that hands MOVED/ASK/TRYAGAIN back instead of
// following them. What follows them is the one rule of redirects.ts (backoff until timeoutMs);
// test/redis/cluster-faults.test.ts "a resharding under load" fails without it.

/** One bulk call, as a round of sends sees it. */
export interface BulkRun {
  client: RedisClient;
  /** How many items the call has. */
  count: number;
  /** Plans the batches of `indexes` (ascending), of all items when undefined. */
  plan: (indexes: readonly number[] | undefined) => Batch[];
  command: GroupCommand;
  /** See `SendOptions.wholeBatch`. */
  wholeBatch?: WholeBatchCommand;
  onReply?: (group: Group, reply: unknown) => void;
  route: Route;
  signal?: AbortSignal;
  concurrency?: number;
  /** Scrubs a failure's secrets before it is kept (see `redactError`). */
  redact: (error: unknown) => unknown;
}

/** What a round of sends ended with: the items that failed and why; `aborted` when the caller's signal stopped it. */
export interface RoundResult {
  failed: Map<number, unknown>;
  aborted: boolean;
}

/**
 * Sends `indexes` (all items when undefined) once, following cluster redirects. Resolves with
 * the items that failed and why; `aborted` when the caller's signal stopped it, the items it
 * did not get to then failed with the signal's reason.
 */
export async function sendFollowingRedirects(
  run: BulkRun,
  indexes: readonly number[] | undefined,
): Promise<RoundResult> {
  const { client, count, signal } = run;
  const failed = new Map<number, unknown>();
  // Redirects are followed for at most timeoutMs: a cluster that is failing over or
  // resharding settles within that, or its items fail and `retries` takes over.
  const budget = timeoutOf(client);
  const deadline = Date.now() + budget;
  if (isCluster(client)) await untilReady(client, budget);
  // The round's items, ascending (undefined: all `count` of them), and how they are sent.
  let round = indexes;
  let pending: { batches: Batch[]; asking?: Redis }[] = [{ batches: run.plan(round) }];
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
        run.onReply?.(group, result.value);
        return;
      }
      const redirect = isCluster(client) ? redirectOrMissingOwner(result.error) : undefined;
      if (redirect === undefined || lastRound) {
        const error = run.redact(
          redirect === undefined
            ? result.error
            : redirectedTooLong(result.error, Date.now() - deadline + budget, budget),
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
    const abandon = (items: Iterable<number>): RoundResult => {
      for (const index of items) if (!failed.has(index)) failed.set(index, signal?.reason);
      return { failed, aborted: true };
    };
    try {
      for (const { batches, asking } of pending) {
        await sendBatches(client, batches, {
          command: run.command,
          wholeBatch: run.wholeBatch,
          onGroup: outcome,
          route: run.route,
          asking,
          signal,
          concurrency: run.concurrency,
        });
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
    if (moved.length > 0) pending.push({ batches: run.plan(moved.sort((a, b) => a - b)) });
    for (const [address, list] of asked) {
      // An ASK target we hold no connection to: after the refresh, the slot's owner redirects again.
      const node = nodeByAddress(cluster, address);
      pending.push({ batches: run.plan(list.sort((a, b) => a - b)), ...(node === undefined ? {} : { asking: node }) });
    }
  }
  return { failed, aborted: false };
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
