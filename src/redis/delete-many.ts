import { runBulk } from './batches.js';
import type { BulkOptions } from './bulk-options.js';
import { collectKeys } from './inputs.js';

/**
 * Deletes many keys at once with `UNLINK` batches (memory is reclaimed in the background),
 * concurrently, grouped by hash slot on a cluster. Resolves with the number of keys that
 * existed. If some batches fail (after `retries`, if given), the others still run and the promise
 * rejects with a BulkOperationError naming the positions not confirmed.
 *
 * The count covers the confirmed UNLINKs: a batch that ran but whose reply was lost, then was
 * retried, counts 0 for its keys (they were already gone), so the count can fall short after a
 * failure; the keys are deleted all the same.
 */
export async function deleteMany(keys: Iterable<string>, options?: BulkOptions): Promise<number> {
  const list = collectKeys(keys);
  let deleted = 0;
  await runBulk(
    {
      operation: 'deleteMany',
      keys: list,
      shape: 'multi-key',
      command: (target, group, keyOf) => target.unlink(...group.indexes.map(keyOf)),
      onReply: (_group, reply) => (deleted += Number(reply)),
    },
    options,
  );
  return deleted;
}
