import { runBulk, type BulkOptions } from './batches.js';
import { collectKeys } from './inputs.js';

/**
 * Reads many string keys at once: `MGET` batches sent concurrently (on a cluster, one `MGET`
 * per hash slot, batched per node). Resolves with the values in the order of `keys`, `null`
 * for missing keys; rejects with a BulkOperationError naming the failed positions if any
 * batch failed.
 *
 * @example
 * const [a, b] = await getMany(['user:1', 'user:2']);
 */
export async function getMany(keys: Iterable<string>, options?: BulkOptions): Promise<(string | null)[]> {
  const list = collectKeys(keys);
  const values = new Array<string | null>(list.length);
  await runBulk(
    'getMany',
    list,
    list.length,
    'multi-key',
    options,
    (target, group) => target.mget(group.indexes.map((i) => list[i]!)),
    (group, reply) => {
      const replies = reply as (string | null)[];
      group.indexes.forEach((index, i) => (values[index] = replies[i] ?? null));
    },
  );
  return values;
}
