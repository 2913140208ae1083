import { runBulk } from './batches.js';
import type { BulkOptions } from './bulk-options.js';
import { mgetAcrossSlots } from './cross-slot-read.js';
import { sendCommandOn } from './direct-command.js';
import { collectKeys } from './inputs.js';

/**
 * Reads many string keys at once: `MGET` batches sent concurrently. On a cluster an `MGET`
 * may only name keys of one hash slot, so each batch of a node's slots goes as one script that
 * runs their MGETs inside Redis (Redis >= 7), or else as a pipeline of them. Resolves with the values in the order of `keys`, `null`
 * for missing keys.
 *
 * If some batches fail (after `retries`, if given), rejects with a BulkOperationError:
 * `failedIndexes` names the positions not read, and `results` holds every value that was read
 * (`undefined` at the failed positions), so nothing already fetched is lost.
 *
 * @example
 * const [a, b] = await getMany(['user:1', 'user:2'], { retries: 3 });
 */
export async function getMany(keys: Iterable<string>, options?: BulkOptions): Promise<(string | null)[]> {
  const list = collectKeys(keys);
  const values = new Array<string | null | undefined>(list.length);
  await runBulk(
    {
      operation: 'getMany',
      keys: list,
      shape: 'multi-key',
      command: (target, { indexes }, keyOf) => {
        const batchKeys = new Array<string>(indexes.length);
        for (let i = 0; i < indexes.length; i++) batchKeys[i] = keyOf(indexes[i]!);
        return sendCommandOn(target, 'mget', batchKeys);
      },
      wholeBatch: mgetAcrossSlots,
      onReply: ({ indexes }, reply) => {
        const replies = reply as (string | null)[];
        for (let i = 0; i < indexes.length; i++) values[indexes[i]!] = replies[i] ?? null;
      },
      results: values,
    },
    options,
  );
  return values as (string | null)[];
}
