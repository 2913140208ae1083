import type { ChainableCommander, Redis } from 'ioredis';
import { runAllMultithreaded } from '../concurrency/index.js';
import type { Batch, Group } from './batch-plan.js';
import { targetOf, type Route } from './batch-route.js';
import type { RedisClient } from './client-shape.js';
import { RedisNoReplyError } from './errors.js';

/** What one group's command answered: the reply, or the error that group alone got. */
export type GroupOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Queues (on a pipeline) or sends (on a client) the one command of a group. A client takes
 * the same calls as a pipeline and returns a promise of the reply instead of the pipeline;
 * that promise is what the caller awaits, so one callback serves both.
 */
export type GroupCommand = (target: ChainableCommander, group: Group) => unknown;

/** How `sendBatches` sends, and where each group's outcome goes. */
export interface SendOptions {
  command: GroupCommand;
  /** Handed every group's outcome (a failed batch fails each of its groups). */
  onGroup: (group: Group, outcome: GroupOutcome) => void;
  /** Where each batch goes on a cluster. Default `'client'`. */
  route?: Route;
  /** Send each command after an ASKING, on this node (an ASK redirect). */
  asking?: Redis;
  signal?: AbortSignal;
  /** Most batches in flight at once. Default: runAllMultithreaded's. */
  concurrency?: number;
  /**
   * Sends a batch of several groups as one command instead of a pipeline of one command per
   * group, for an operation that has such a command (getMany on a cluster: one script reads many
   * slots of a node, see cross-slot-read.ts). Resolves with each group's reply in `batch.groups`
   * order; undefined where it does not apply. If it fails, the batch goes out as the pipeline,
   * whose per-group answers (MOVED, ASK, ...) the caller's redirect rules read.
   */
  wholeBatch?: WholeBatchCommand;
}

/** See `SendOptions.wholeBatch`. */
export type WholeBatchCommand = (target: RedisClient, batch: Batch) => Promise<unknown[]> | undefined;

/**
 * The replies of a batch sent as one command, or undefined to send it as a pipeline instead:
 * when the command does not apply, or failed. Its error is not the batch's outcome: the
 * pipeline's per-group answers are, and say which groups to send where.
 */
async function wholeBatchReplies(
  command: WholeBatchCommand,
  target: RedisClient,
  batch: Batch,
): Promise<unknown[] | undefined> {
  try {
    return await command(target, batch);
  } catch {
    return undefined;
  }
}

/**
 * Sends every batch (concurrently, through runAllMultithreaded): a batch of one group is a
 * single command, a larger batch one pipeline (or the one command of `wholeBatch`, where it
 * applies and succeeds). Every group's outcome is handed to `onGroup`.
 * Nothing is dropped silently: the caller decides what a failure means.
 */
export async function sendBatches(client: RedisClient, batches: Batch[], options: SendOptions): Promise<void> {
  const { command, onGroup, asking } = options;
  const route = options.route ?? 'client';
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
    if (batch.groups.length > 1 && asking === undefined && options.wholeBatch !== undefined) {
      const replies = await wholeBatchReplies(options.wholeBatch, target, batch);
      if (replies !== undefined) {
        batch.groups.forEach((group, i) => onGroup(group, { ok: true, value: replies[i] }));
        return;
      }
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
      const [error, value] = replies?.[i * step + step - 1] ?? [
        new RedisNoReplyError('no reply for this command'),
        undefined,
      ];
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
      { signal: options.signal, concurrency: options.concurrency },
    );
  } catch (error) {
    await Promise.allSettled([...inFlight]);
    throw error;
  }
}
