import { assertFiniteNumber, assertOptionsObject } from '../utils/validate.js';
import { runBulk, type BulkOptions } from './batches.js';
import { collectEntries, type RedisValue } from './inputs.js';

/** Options of `setMany`. */
export interface SetManyOptions extends BulkOptions {
  /** Time to live in seconds (> 0; a fraction is sent as milliseconds). Default: no expiry. */
  expire?: number;
}

/**
 * Writes many string keys at once, concurrently, grouped by hash slot on a cluster: `MSET`
 * batches, or with `expire` one `SET … EX` per key in pipelines. Entries: `[key, value]`
 * pairs, a Map or a plain object. If some items fail, the rest are still written and the
 * promise rejects with a BulkOperationError whose `failedIndexes` say which.
 *
 * @example
 * await setMany([['user:1', 'Ann'], ['user:2', 'Bob']], { expire: 3600 });
 */
export async function setMany(
  entries: Iterable<readonly [string, RedisValue]> | Record<string, RedisValue>,
  options?: SetManyOptions,
): Promise<void> {
  assertOptionsObject(options, 'options');
  // The bulk options are checked by runBulk; a misspelt `expire` would silently drop the TTL.
  const { expire, ...bulkOptions } = options ?? {};
  const { keys, values } = collectEntries(entries, 'entries');
  if (expire === undefined) {
    await runBulk('setMany', keys, keys.length, 'multi-key', bulkOptions, (target, group) =>
      target.mset(...group.indexes.flatMap((i) => [keys[i]!, values[i]!])),
    );
    return;
  }
  assertFiniteNumber(expire, 'expire', 0);
  if (expire === 0) throw new RangeError('expire must be > 0 seconds, got 0');
  const ttl = Number.isInteger(expire) ? expire : Math.max(1, Math.round(expire * 1000));
  const unit = Number.isInteger(expire) ? 'EX' : 'PX';
  await runBulk('setMany', keys, keys.length, 'per-item', bulkOptions, (target, { indexes: [i] }) =>
    unit === 'EX' ? target.set(keys[i!]!, values[i!]!, 'EX', ttl) : target.set(keys[i!]!, values[i!]!, 'PX', ttl),
  );
}
