import { TaskError } from '../utils/errors.js';
import { assertOptionsObject } from '../utils/validate.js';
import { useRedis, type RedisClient } from './connection.js';
import { BulkOperationError, bulkFailure } from './errors.js';
import { assertWaitReplicas, connectionFor, waitForReplicas } from './wait-replicas.js';
import { runBulk } from './batches.js';
import type { BulkOptions } from './bulk-options.js';
import { assertExpire } from './expire.js';
import { collectEntries, type RedisValue } from './inputs.js';

/** Options of `setMany`. */
export interface SetManyOptions extends BulkOptions {
  /**
   * Time to live in seconds: > 0 and at most `Number.MAX_SAFE_INTEGER` (a fraction is sent as
   * milliseconds). Default: no expiry.
   */
  expire?: number;
  /**
   * After the writes, wait (Redis `WAIT`, at most `timeoutMs` / 4) until this many replicas of each
   * master written to have them; items on a master with fewer fail, as not confirmed, with a
   * ReplicasNotConfirmedError. For writes that must survive a failover: Redis replicates
   * asynchronously, so an acknowledged write can be lost when its master fails before its
   * replicas have it. Costs a round trip per master and the replicas' lag (see docs/reliability.md).
   */
  waitReplicas?: number;
}

/**
 * Writes many string keys at once, concurrently, grouped by hash slot on a cluster: `MSET`
 * batches, or with `expire` one `SET … EX` per key in pipelines. Entries: `[key, value]`
 * pairs, a Map or a plain object. Every argument is checked before anything is written.
 *
 * If some items fail (after `retries`, if given), the rest are still written and the promise
 * rejects with a BulkOperationError whose `failedIndexes` say which were not confirmed. Writing
 * an item again is harmless (SET is idempotent), so `retries` is safe here.
 *
 * @example
 * await setMany([['user:1', 'Ann'], ['user:2', 'Bob']], { expire: 3600, retries: 5 });
 */
export async function setMany(
  entries: Iterable<readonly [string, RedisValue]> | Record<string, RedisValue>,
  options?: SetManyOptions,
): Promise<void> {
  assertOptionsObject(options, 'options');
  // The bulk options are checked by runBulk; a misspelt `expire` would silently drop the TTL.
  const { expire, waitReplicas, ...bulkOptions } = options ?? {};
  if (expire !== undefined) assertExpire(expire);
  assertWaitReplicas(waitReplicas);
  const { keys, values } = collectEntries(entries, 'entries');
  const written = writeAll(keys, values, expire, bulkOptions);
  if (waitReplicas === undefined) return written;
  let failure: BulkOperationError | undefined;
  try {
    await written;
  } catch (error) {
    // Items not written are reported as they are; the others still wait for their replicas
    // (unless the connection is closed: there is nothing left to wait on).
    if (!(error instanceof BulkOperationError) || error.closed) throw error;
    failure = error;
  }
  const failed = new Map<number, unknown>(
    failure === undefined ? [] : failure.errors.map((e: TaskError) => [e.index, e.cause]),
  );
  const client = await useRedis(bulkOptions.redis);
  // One WAIT per connection written to: its items fail together if it falls short.
  const byConnection = new Map<unknown, number[]>();
  keys.forEach((key, i) => {
    if (failed.has(i)) return;
    const connection = connectionFor(client, key);
    const list = byConnection.get(connection) ?? [];
    byConnection.set(connection, list);
    list.push(i);
  });
  await Promise.all(
    [...byConnection].map(async ([connection, indexes]) => {
      try {
        await waitForReplicas(client, connection as RedisClient | undefined, waitReplicas);
      } catch (error) {
        for (const i of indexes) failed.set(i, error);
      }
    }),
  );
  if (failed.size > 0) {
    throw bulkFailure(
      'setMany',
      keys.length,
      [...failed].map(([i, error]) => new TaskError(i, error)),
      { client },
    );
  }
}

function writeAll(
  keys: string[],
  values: RedisValue[],
  expire: number | undefined,
  bulkOptions: BulkOptions,
): Promise<void> {
  return expire === undefined
    ? writeWithoutExpiry(keys, values, bulkOptions)
    : writeWithExpiry(keys, values, expire, bulkOptions);
}

async function writeWithoutExpiry(keys: string[], values: RedisValue[], bulkOptions: BulkOptions): Promise<void> {
  {
    await runBulk(
      {
        operation: 'setMany',
        keys,
        shape: 'multi-key',
        command: (target, group, keyOf) => target.mset(...group.indexes.flatMap((i) => [keyOf(i), values[i]!])),
      },
      bulkOptions,
    );
  }
}

async function writeWithExpiry(
  keys: string[],
  values: RedisValue[],
  expire: number,
  bulkOptions: BulkOptions,
): Promise<void> {
  const seconds = Number.isInteger(expire);
  const ttl = seconds ? expire : Math.max(1, Math.round(expire * 1000));
  await runBulk(
    {
      operation: 'setMany',
      keys,
      shape: 'per-item',
      command: (target, { indexes: [i] }, keyOf) =>
        seconds ? target.set(keyOf(i!), values[i!]!, 'EX', ttl) : target.set(keyOf(i!), values[i!]!, 'PX', ttl),
    },
    bulkOptions,
  );
}
