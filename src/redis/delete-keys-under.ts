import { describeValue } from '../utils/errors.js';
import { assertKnownKeys, assertOptionsObject, optionNames } from '../utils/validate.js';
import { BULK_OPTIONS, validateBulkOptions, type BulkOptions } from './bulk-options.js';
import { deleteMany } from './delete-many.js';
import { escapeGlob } from './escape-glob.js';
import { scanKeys } from './scan-keys.js';

/** Options of `deleteKeysUnder`: those of the bulk operations (for the UNLINKs), and SCAN's `count`. */
export interface DeleteKeysUnderOptions extends BulkOptions {
  /** SCAN's COUNT hint: keys examined per call. Default 1000. */
  count?: number;
}

/** The option names of `deleteKeysUnder`, from the declarations. */
const DELETE_KEYS_UNDER_OPTIONS = [
  ...optionNames<Omit<DeleteKeysUnderOptions, keyof BulkOptions>>({ count: true }),
  ...BULK_OPTIONS,
];

/** Passes before giving up on a prefix that keeps being written to. */
const MAX_PASSES = 20;
/** Batches of UNLINKs handed to `deleteMany` at a time while the scan goes on. */
const BATCHES_PER_CHUNK = 20;

/**
 * Deletes every key whose name starts with `prefix`, and resolves with how many were deleted.
 *
 * The prefix is taken literally (glob characters in it are escaped), and must not be empty (that
 * would be every key: a RangeError). It is found with SCAN, never KEYS, on every master of a
 * cluster (`scanKeys`), and deleted with UNLINK batches grouped by hash slot (`deleteMany`) while
 * the scan goes on, `batchSize` × 20 keys at a time. Passes repeat until one finds
 * nothing, so a write still in flight during one pass is caught by the next; after 20 passes
 * that still found keys (something keeps writing under the prefix) it resolves with the count so
 * far.
 *
 * With a client that has a `keyPrefix`, `prefix` is relative to it, as in every bulk operation:
 * on a client prefixed `app:`, `deleteKeysUnder('tmp:')` deletes `app:tmp:*` and nothing else.
 * Every option is checked before anything is sent; a failed UNLINK batch (after `retries`)
 * rejects with `deleteMany`'s BulkOperationError, an abort with `signal.reason` or that error.
 * A failure midway (a BulkOperationError, a RedisClosedError, a scan that failed) carries
 * `deleted`: the keys confirmed deleted before it (`(error as { deleted?: number }).deleted`);
 * those of the failed batch that were deleted too are not in it.
 *
 * @example
 * // Everything an import job wrote, on a single Redis or a cluster:
 * const deleted = await deleteKeysUnder(`import:${jobId}:`);
 * console.log(`${deleted} keys deleted`);
 */
export async function deleteKeysUnder(prefix: string, options?: DeleteKeysUnderOptions): Promise<number> {
  if (typeof prefix !== 'string') throw new TypeError(`prefix must be a string, got ${describeValue(prefix)}`);
  if (prefix === '') throw new RangeError('prefix must not be empty (that would delete every key)');
  assertOptionsObject(options, 'options');
  assertKnownKeys(options, DELETE_KEYS_UNDER_OPTIONS, 'options');
  const { count, ...bulk } = options ?? {};
  const { batchSize } = validateBulkOptions(bulk, { operation: 'deleteKeysUnder' });
  const pattern = `${escapeGlob(prefix)}*`;
  const scanOptions = { redis: bulk.redis, signal: bulk.signal, ...(count === undefined ? {} : { count }) };
  // scanKeys checks `count` when called: before the first command, as every option is.
  let keys: AsyncIterable<string> | undefined = scanKeys(pattern, scanOptions);
  const chunkSize = batchSize * BATCHES_PER_CHUNK;
  let deleted = 0;
  try {
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      keys ??= scanKeys(pattern, scanOptions);
      let found = 0;
      let chunk: string[] = [];
      for await (const key of keys) {
        found++;
        chunk.push(key);
        if (chunk.length >= chunkSize) {
          deleted += await deleteMany(chunk, bulk);
          chunk = [];
        }
      }
      if (chunk.length > 0) deleted += await deleteMany(chunk, bulk);
      if (found === 0) break;
      keys = undefined;
    }
  } catch (error) {
    // The keys deleted before the failure are gone: say how many, on the error itself (not on an
    // abort reason, which is the caller's own value).
    if (error instanceof Error && error !== bulk.signal?.reason) {
      Object.defineProperty(error, 'deleted', { value: deleted, enumerable: true, configurable: true });
    }
    throw error;
  }
  return deleted;
}
