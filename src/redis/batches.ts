import type { ChainableCommander } from 'ioredis';
import { TaskError } from '../utils/errors.js';
import { planBatches, type Batch, type CommandShape, type Group } from './batch-plan.js';
import type { Route } from './batch-route.js';
import type { GroupCommand } from './batch-send.js';
import { validateBulkOptions, type BulkOptions } from './bulk-options.js';
import { sendFollowingRedirects, type BulkRun } from './bulk-redirects.js';
import { retryFailed } from './bulk-retries.js';
import { keyPrefixOf, prefixIn } from './client-shape.js';
import { isCluster, useRedis, type RedisClient } from './connection.js';
import { BulkOperationError, bulkFailure, RedisClosedError } from './errors.js';
import { redactError, secretsOf } from './secrets.js';

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
  /**
   * On a cluster, sends a batch of several slots of one node as one command instead of a
   * pipeline of `command`s (see `SendOptions.wholeBatch`). `wireKey(i)` is item `i`'s key as
   * Redis stores it, the client's keyPrefix included, for keys passed where ioredis adds none.
   */
  wholeBatch?: (
    target: RedisClient,
    batch: Batch,
    wireKey: (index: number) => string,
  ) => Promise<unknown[]> | undefined;
  /** Called with each group's reply. */
  onReply?: (group: Group, reply: unknown) => void;
  /** PUBLISH: routed by channel (not prefixed by ioredis), any node may take it, never retried. */
  keyless?: boolean;
  /** Values per item gathered so far, attached to the BulkOperationError (`results`). */
  results?: unknown[];
  /**
   * Checks the client before anything is sent (sharded publishMany: the server knows SPUBLISH),
   * so that a connection found closed there fails the items as one closed midway does.
   */
  check?: (client: RedisClient) => Promise<void>;
}

/**
 * Runs a bulk operation: plans batches (batch-plan.ts), sends them all (batch-send.ts), hands
 * each group's reply to `onReply`, and collects per-item failures.
 *
 * On a cluster every batch goes straight to the master of its slot, computed as Redis does;
 * MOVED, ASK, TRYAGAIN and CLUSTERDOWN answers (a resharding, a failover) are followed by
 * sending those items again (bulk-redirects.ts, by the one redirect rule of redirects.ts:
 * backoff until `timeoutMs`), and never reach the caller as such: past that the items fail with
 * a RedisUnavailableError. A cluster client that is not ready is waited for, as long. With
 * `retries`, the items that still failed are sent again with backoff, re-planned each round
 * (bulk-retries.ts). If any item failed in the end, rejects with a BulkOperationError listing
 * exactly which (not confirmed); `closed` says the connection was closed meanwhile.
 */
export async function runBulk(spec: BulkSpec, options: BulkOptions | undefined): Promise<void> {
  const { operation, keys } = spec;
  const keyless = spec.keyless === true;
  const { batchSize, concurrency, retry } = validateBulkOptions(options, { operation, retries: !keyless });
  const count = keys.length;
  if (count === 0) return;
  let client: RedisClient;
  try {
    client = await useRedis(options?.redis);
    await spec.check?.(client);
  } catch (error) {
    if (!(error instanceof RedisClosedError)) throw error;
    // A bulk failure arrives as one type: closed before the call fails every item, as closed midway does.
    const failures = keys.map((_, index) => new TaskError(index, error));
    throw new BulkOperationError(operation, count, failures, { closed: true, cause: error, results: spec.results });
  }
  const keyOf = keyArgumentsFor(client, keys);
  const secrets = secretsOf(client);
  const route: Route = keyless ? 'slot-owner' : 'direct';
  // Errors already scrubbed in this call: a failed group (or pipeline) hands one error to all
  // its items, and it is walked once, not once per item.
  const redacted = new WeakSet<object>();
  const run: BulkRun = {
    client,
    count,
    plan: (indexes) =>
      planBatches(client, keys, { batchSize, shape: spec.shape, indexes, ...(keyless ? { keyPrefix: '' } : {}) }),
    command: ((target, group) => spec.command(target, group, keyOf)) satisfies GroupCommand,
    wholeBatch: wholeBatchFor(spec, client),
    onReply: spec.onReply,
    route,
    signal: options?.signal,
    concurrency,
    redact: (error) => redactError(error, secrets, redacted),
  };

  const { failed, aborted } = await retryFailed(run, await sendFollowingRedirects(run, undefined), retry);
  if (aborted) {
    throw new BulkOperationError(operation, count, toTaskErrors(failed), {
      cause: options?.signal?.reason,
      results: spec.results,
    });
  }
  if (failed.size > 0) throw bulkFailure(operation, count, toTaskErrors(failed), { client, results: spec.results });
}

/** `spec.wholeBatch` bound to the keys as Redis stores them; only on a cluster, where batches hold several slots. */
function wholeBatchFor(spec: BulkSpec, client: RedisClient): BulkRun['wholeBatch'] {
  const { wholeBatch, keys } = spec;
  if (wholeBatch === undefined || !isCluster(client)) return undefined;
  const prefix = keyPrefixOf(client);
  const wireKey = (index: number): string => prefix + keys[index]!;
  return (target, batch) => wholeBatch(target, batch, wireKey);
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
