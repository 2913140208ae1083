import type { RetryOptions } from '../concurrency/index.js';
import { normalizeRunOptions, type RetryPolicy } from '../concurrency/run-options.js';
import {
  assertInteger,
  assertKnownKeys,
  assertOptionalSignal,
  assertOptionsObject,
  optionNames,
} from '../utils/validate.js';
import { assertOptionalSource, type RedisSource } from './connection.js';

/** Options shared by the bulk operations. */
export interface BulkOptions {
  /**
   * The client to use: an ioredis 5 or 6 Redis or Cluster, or the `RedisConnection` whose client
   * to use. Default: the shared connection (`connect()`), opened on first use.
   */
  redis?: RedisSource;
  /** Aborting stops sending batches and rejects with a BulkOperationError whose `cause` is `signal.reason`. */
  signal?: AbortSignal;
  /** Most items per batch (one pipeline round trip). Default 500. */
  batchSize?: number;
  /** Most batches in flight at once: an integer >= 1 or Infinity. Default 16 (`DEFAULT_BULK_CONCURRENCY`). */
  concurrency?: number;
  /**
   * Retries for the items that failed, with the shape of `runAllMultithreaded`'s: a count, or
   * `{ retries, minDelayMs, maxDelayMs, retryIf }` (exponential backoff with jitter; `retryIf`
   * sees each item's error). Only failed items are sent again, each round re-planned against the
   * cluster's current slot map, so a failover is ridden out. Default: no retry. Not for
   * `publishMany`. A connection closed with `disconnect()` is never retried.
   */
  retries?: number | RetryOptions;
}

/** The bulk options without `retries`: what an operation that must not repeat an item (PUBLISH) takes. */
export type UnrepeatedBulkOptions = Omit<BulkOptions, 'retries'>;

/** The option names of `UnrepeatedBulkOptions`, from its declaration. */
export const UNREPEATED_BULK_OPTIONS = optionNames<UnrepeatedBulkOptions>({
  redis: true,
  signal: true,
  batchSize: true,
  concurrency: true,
});

/** The option names of `BulkOptions`, from its declaration. */
export const BULK_OPTIONS = [
  ...UNREPEATED_BULK_OPTIONS,
  ...optionNames<Pick<BulkOptions, 'retries'>>({ retries: true }),
] as const;

/** Measured by `npm run bench` (getMany, setMany): 500 is on the plateau from 250 to 1000. */
export const DEFAULT_BATCH_SIZE = 500;

/**
 * Batches in flight at once unless `concurrency` says otherwise: 16 × 500 keys keep a node's
 * pipeline full (and every master of a cluster busy: batches alternate between nodes), while
 * the replies buffered at once stay few. With every batch in flight, a 200k-key getMany held
 * 200k reply values at a time and the client spent more CPU per key in GC.
 */
export const DEFAULT_BULK_CONCURRENCY = 16;

/** Bulk options checked (TypeError/RangeError naming the option), with defaults. */
export interface CheckedBulkOptions {
  batchSize: number;
  concurrency: number;
  retry: RetryPolicy | undefined;
}

/** What `validateBulkOptions` checks for. */
export interface BulkCheck {
  /** The operation's name, for messages. Default 'this operation'. */
  operation?: string;
  /**
   * False for operations that must not repeat an item (PUBLISH): `retries` is then refused with
   * the reason. Default true.
   */
  retries?: boolean;
}

/** Checks the bulk options before anything is sent. */
export function validateBulkOptions(options: BulkOptions | undefined, check: BulkCheck = {}): CheckedBulkOptions {
  const operation = check.operation ?? 'this operation';
  const allowRetries = check.retries ?? true;
  assertOptionsObject(options, 'options');
  if (!allowRetries && options?.retries !== undefined) {
    throw new TypeError(
      `${operation} takes no retries option: a PUBLISH whose reply was lost may still have been delivered, so ` +
        'sending it again could deliver it twice; retry error.failedIndexes yourself if at-least-once is what you want',
    );
  }
  assertKnownKeys(options, allowRetries ? BULK_OPTIONS : UNREPEATED_BULK_OPTIONS, 'options');
  assertOptionalSignal(options?.signal, 'signal');
  assertOptionalSource(options?.redis);
  // Only a missing batchSize means the default: null is refused like any other non-integer (as concurrency is).
  const batchSize = options?.batchSize === undefined ? DEFAULT_BATCH_SIZE : options.batchSize;
  assertInteger(batchSize, 'batchSize', 1);
  // The same rules (and messages) as runAllMultithreaded's options.
  const { retry } = normalizeRunOptions({ concurrency: options?.concurrency, retries: options?.retries }, 'run');
  return { batchSize, concurrency: options?.concurrency ?? DEFAULT_BULK_CONCURRENCY, retry };
}
