import { messageOf, PopotoError, TaskError, type PopotoErrorCode } from '../utils/errors.js';

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

/**
 * The connection is not open: `getRedis()` before `connect()` was called, or while it is still
 * opening (await it first).
 */
export class RedisNotConnectedError extends PopotoError {
  override readonly name: string = 'RedisNotConnectedError';
  override readonly code: PopotoErrorCode = 'ERR_POPOTO_REDIS_NOT_CONNECTED';
}

/**
 * `connect()` with arguments while the connection is open or opening: call `disconnect()` before
 * connecting elsewhere (`connect()` without arguments returns the open client).
 */
export class RedisAlreadyConnectedError extends PopotoError {
  override readonly name: string = 'RedisAlreadyConnectedError';
  override readonly code: PopotoErrorCode = 'ERR_POPOTO_REDIS_ALREADY_CONNECTED';
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
 * A private redis-server could not be started: the binary is not on PATH, no free port was
 * found, or the server did not come up (its last log line says why). Through `connect()` it
 * arrives as the `cause` of a NoRedisError.
 */
export class RedisServerStartError extends PopotoError {
  override readonly name: string = 'RedisServerStartError';
  override readonly code: PopotoErrorCode = 'ERR_POPOTO_REDIS_SERVER_START';
}

/**
 * Redis sent no reply for a command of a pipeline: the item is not confirmed (it may have run).
 * Arrives as the `cause` of a per-item TaskError in a BulkOperationError.
 */
export class RedisNoReplyError extends PopotoError {
  override readonly name: string = 'RedisNoReplyError';
  override readonly code: PopotoErrorCode = 'ERR_POPOTO_REDIS_NO_REPLY';
}

/** Options of `new BulkOperationError`. */
export interface BulkOperationErrorOptions<R> {
  /** What stopped the operation (an abort: `signal.reason`; a closed connection: a RedisClosedError). */
  cause?: unknown;
  /** The values of the items that succeeded, `undefined` at each failed index. */
  results?: (R | undefined)[];
  /** The connection was closed (by `disconnect()`, or the client quit) while items were unconfirmed. */
  closed?: boolean;
  /** The message, when not the standard one built from the operation and the counts. */
  message?: string;
}

/**
 * Some items of a bulk operation failed; the others were done. The one type a bulk failure
 * arrives as: `failedIndexes` lists the input positions that failed, in order, and `errors`
 * (the shape of `AggregateError`'s) holds one `TaskError` per failed item (its `index` and
 * `cause`), so a caller can retry exactly those. When the connection was closed meanwhile,
 * `closed` is true and `cause` is the RedisClosedError.
 *
 * "Failed" means **not confirmed**: Redis did not acknowledge the item. An item listed may still
 * have been written, when its command reached Redis but the reply was lost with the connection
 * (a server killed mid-batch, a failover). Retrying a listed item is safe for `setMany`,
 * `getMany` and `deleteMany` (idempotent); see `publishMany` for messages.
 */
export class BulkOperationError<R = unknown, E = TaskError> extends PopotoError {
  override readonly name: string = 'BulkOperationError';
  override readonly code: PopotoErrorCode = 'ERR_POPOTO_BULK_FAILED';
  /** One error per failed item, in input order (as `AggregateError`'s `errors`). */
  readonly errors: E[];
  /** Input positions that were not confirmed, ascending. */
  readonly failedIndexes: number[];
  /**
   * For operations that return one value per item (`getMany`, `publishMany`): the values of the
   * items that succeeded, in input order, with `undefined` at each failed index. Otherwise undefined.
   */
  readonly results: (R | undefined)[] | undefined;
  /** True when the connection was closed (`disconnect()`, or the client quit) while items were unconfirmed. */
  readonly closed: boolean;

  constructor(operation: string, total: number, errors: E[], options: BulkOperationErrorOptions<R> = {}) {
    const sorted = [...errors].sort((a, b) => indexOf(a, 0) - indexOf(b, 0));
    const first = sorted[0];
    const closed = options.closed ?? false;
    const standard = closed
      ? `${operation}: the Redis connection is closed; ${sorted.length} of ${total} items not confirmed ` +
        '(their positions: error.failedIndexes)'
      : `${operation}: ${sorted.length} of ${total} items not confirmed` +
        (first === undefined ? '' : ` (first: ${messageOf(first)})`);
    super(options.message ?? standard, options.cause === undefined ? undefined : { cause: options.cause });
    this.errors = sorted;
    this.failedIndexes = sorted.map((error, position) => indexOf(error, position));
    this.results = options.results;
    this.closed = closed;
  }
}

/** The input position a per-item error names (a TaskError's `index`), else `fallback`. */
function indexOf(error: unknown, fallback: number): number {
  return error instanceof TaskError ? error.index : fallback;
}

/** True for the error `disconnect()` settles pending commands with. */
export function isClosedError(error: unknown): boolean {
  return error instanceof RedisClosedError;
}

/**
 * The BulkOperationError a bulk operation rejects with when `failures` is not empty. It is
 * `closed` (the connection was closed while items were unconfirmed) when `client` has ended
 * (ioredis's status, not its error messages, tells) or some failure is a RedisClosedError; a
 * closed one gets a RedisClosedError as its `cause`, unless a cause (an abort's reason) is given.
 */
export function bulkFailure<R>(
  operation: string,
  total: number,
  failures: TaskError[],
  options: { client?: { readonly status: string }; results?: (R | undefined)[]; cause?: unknown } = {},
): BulkOperationError<R> {
  const closed = options.client?.status === 'end' || failures.some((failure) => isClosedError(failure.cause));
  return new BulkOperationError<R>(operation, total, failures, {
    results: options.results,
    closed,
    cause: options.cause ?? (closed ? new RedisClosedError() : undefined),
  });
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
