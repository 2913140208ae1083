import { runBulk, type BulkOptions } from './batches.js';
import { collectKeys } from './inputs.js';

/**
 * Deletes many keys at once with `UNLINK` batches (memory is reclaimed in the background),
 * concurrently, grouped by hash slot on a cluster. Resolves with the number of keys that
 * existed. If some batches fail, the others still run and the promise rejects with a
 * BulkOperationError naming the failed positions.
 */
export async function deleteMany(keys: Iterable<string>, options?: BulkOptions): Promise<number> {
  const list = collectKeys(keys);
  let deleted = 0;
  await runBulk(
    'deleteMany',
    list,
    list.length,
    'multi-key',
    options,
    (target, group) => target.unlink(...group.indexes.map((i) => list[i]!)),
    (_group, reply) => (deleted += Number(reply)),
  );
  return deleted;
}
