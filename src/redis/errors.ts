import { PopotoError, TaskError, type PopotoErrorCode } from '../utils/errors.js';

/** Connecting to Redis failed. The message names the target with its password redacted. */
export class RedisConnectionError extends PopotoError {
  override readonly name: string = 'RedisConnectionError';
  override readonly code: PopotoErrorCode = 'ERR_POPOTO_REDIS_CONNECTION';
}

/**
 * Redis could not be reached for longer than `timeoutMs` (`connect({ timeoutMs })`, default
 * 5000): the server is down, restarting, stalled or cut off. Every command waiting on it fails
 * with this error, and so do new ones until the connection is back (it keeps reconnecting).
 * A command that fails with it was not confirmed: if it was sent before the connection was
 * lost, Redis may have run it.
 */
export class RedisUnavailableError extends RedisConnectionError {
  override readonly name: string = 'RedisUnavailableError';
  override readonly code: PopotoErrorCode = 'ERR_POPOTO_REDIS_UNAVAILABLE';
  /** The bound that was exceeded, in milliseconds. */
  readonly timeoutMs: number;

  constructor(message: string, timeoutMs: number) {
    super(message);
    this.timeoutMs = timeoutMs;
  }
}

/** The connection was closed with `disconnect()` (or the given client has ended). */
export class RedisClosedError extends PopotoError {
  override readonly name: string = 'RedisClosedError';
  override readonly code: PopotoErrorCode = 'ERR_POPOTO_REDIS_CLOSED';

  constructor(
    message = 'the Redis connection is closed (disconnect() was called); call connect() to open it again',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Some items of a bulk operation failed; the others were done. `failedIndexes` lists the input
 * positions that failed, in order, and `errors` holds one `TaskError` per failed item (its
 * `index` and `cause`), so a caller can retry exactly those.
 *
 * "Failed" means **not confirmed**: Redis did not acknowledge the item. An item listed may still
 * have been written, when its command reached Redis but the reply was lost with the connection
 * (a server killed mid-batch, a failover). Retrying a listed item is safe for `setMany`,
 * `getMany` and `deleteMany` (idempotent); see `publishMany` for messages.
 */
export class BulkOperationError<R = unknown> extends AggregateError {
  override readonly name = 'BulkOperationError';
  /** Stable code (the README's error table). */
  readonly code: PopotoErrorCode = 'ERR_POPOTO_BULK_FAILED';
  /** Input positions that were not confirmed, ascending. */
  readonly failedIndexes: number[];
  /**
   * For operations that return one value per item (`getMany`, `publishMany`): the values of the
   * items that succeeded, in input order, with `undefined` at each failed index. Otherwise undefined.
   */
  readonly results: (R | undefined)[] | undefined;

  constructor(
    operation: string,
    total: number,
    errors: TaskError[],
    options?: { cause?: unknown; results?: (R | undefined)[] },
  ) {
    const sorted = [...errors].sort((a, b) => a.index - b.index);
    const first = sorted[0];
    super(
      sorted,
      `${operation}: ${sorted.length} of ${total} items not confirmed` +
        (first === undefined ? '' : ` (first: ${first.message})`),
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.failedIndexes = sorted.map((e) => e.index);
    this.results = options?.results;
  }
}

/** ioredis's message for a command sent on a connection that has been closed. */
const IOREDIS_CLOSED = 'Connection is closed.';

/** True for the error `disconnect()` settles pending commands with. */
export function isClosedError(error: unknown): boolean {
  return error instanceof RedisClosedError;
}

/** ioredis's words for a command on a client closed for good (a node's connection says the first too). */
function saysClosed(error: unknown): boolean {
  return error instanceof Error && (error.message === IOREDIS_CLOSED || error.message === 'Cluster is ended.');
}

/**
 * The error a bulk operation rejects with when `failures` is not empty: a RedisClosedError when
 * the connection was closed (disconnect(), or the given client quit) while items were still
 * unconfirmed, its `cause` the BulkOperationError that names them; else that BulkOperationError.
 * `closed` defaults to: some failure is a RedisClosedError, or every one says the connection is closed.
 */
export function bulkFailure<R>(
  operation: string,
  total: number,
  failures: TaskError[],
  options: { closed?: boolean; results?: (R | undefined)[]; cause?: unknown } = {},
): Error {
  const bulk = new BulkOperationError<R>(operation, total, failures, {
    results: options.results,
    cause: options.cause,
  });
  const closed =
    options.closed ??
    (failures.some((failure) => isClosedError(failure.cause)) ||
      (failures.length === total && failures.every((failure) => saysClosed(failure.cause))));
  if (!closed) return bulk;
  return new RedisClosedError(
    `${operation}: the Redis connection is closed; ${failures.length} of ${total} items not confirmed ` +
      '(their positions: error.cause.failedIndexes)',
    { cause: bulk },
  );
}

/**
 * Sharded pub/sub (`sharded: true`) was asked of a server that does not have it: SPUBLISH and
 * SSUBSCRIBE came with Redis 7. Thrown before anything is published or subscribed, so nothing
 * silently falls back to classic pub/sub (whose subscribers would then miss the messages).
 */
export class ShardedPubSubUnsupportedError extends PopotoError {
  override readonly name: string = 'ShardedPubSubUnsupportedError';
  override readonly code: PopotoErrorCode = 'ERR_POPOTO_SHARDED_PUBSUB_UNSUPPORTED';
  /** The server's `redis_version` (INFO server), or undefined if it did not say. */
  readonly serverVersion: string | undefined;
  /** The sharded pub/sub commands the server does not know. */
  readonly missingCommands: readonly string[];

  constructor(serverVersion: string | undefined, missingCommands: readonly string[]) {
    super(
      `sharded pub/sub needs Redis 7 or later: the server (redis_version ${serverVersion ?? 'unknown'}) does not know ` +
        `${missingCommands.join(', ')}; use a Redis >= 7 with these commands enabled, or leave out sharded: true`,
    );
    this.serverVersion = serverVersion;
    this.missingCommands = missingCommands;
  }
}
