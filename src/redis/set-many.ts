import { assertOptionsObject } from '../utils/validate.js';
import { runBulk, type BulkOptions } from './batches.js';
import { assertExpire } from './expire.js';
import { collectEntries, type RedisValue } from './inputs.js';

/** Options of `setMany`. */
export interface SetManyOptions extends BulkOptions {
  /**
   * Time to live in seconds: > 0 and at most `Number.MAX_SAFE_INTEGER` (a fraction is sent as
   * milliseconds). Default: no expiry.
   */
  expire?: number;
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
  const { expire, ...bulkOptions } = options ?? {};
  if (expire !== undefined) assertExpire(expire);
  const { keys, values } = collectEntries(entries, 'entries');
  if (expire === undefined) {
    await runBulk(
      {
        operation: 'setMany',
        keys,
        shape: 'multi-key',
        command: (target, group, keyOf) => target.mset(...group.indexes.flatMap((i) => [keyOf(i), values[i]!])),
      },
      bulkOptions,
    );
    return;
  }
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
