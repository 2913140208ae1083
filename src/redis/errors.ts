import { TaskError } from '../utils/errors.js';

/** Connecting to Redis failed. The message names the target with its password redacted. */
export class RedisConnectionError extends Error {
  override readonly name = 'RedisConnectionError';
}

/** The connection was closed with `disconnect()` (or the given client has ended). */
export class RedisClosedError extends Error {
  override readonly name = 'RedisClosedError';

  constructor(message = 'the Redis connection is closed (disconnect() was called); call connect() to open it again') {
    super(message);
  }
}

/**
 * Some items of a bulk write failed; the others were written. `failedIndexes` lists the input
 * positions that failed, in order, and `errors` holds one `TaskError` per failed item (its
 * `index` and `cause`), so a caller can retry exactly those.
 */
export class BulkOperationError extends AggregateError {
  override readonly name = 'BulkOperationError';
  /** Input positions that failed, ascending. */
  readonly failedIndexes: number[];

  constructor(operation: string, total: number, errors: TaskError[], options?: { cause?: unknown }) {
    const sorted = [...errors].sort((a, b) => a.index - b.index);
    const first = sorted[0];
    super(
      sorted,
      `${operation}: ${sorted.length} of ${total} items failed` +
        (first === undefined ? '' : ` (first: ${first.message})`),
      options,
    );
    this.failedIndexes = sorted.map((e) => e.index);
  }
}

/** ioredis's message for a command sent on a connection that has been closed. */
const IOREDIS_CLOSED = 'Connection is closed.';

/**
 * The error a bulk operation rejects with when `failures` is not empty: a RedisClosedError
 * when every item failed because the connection is closed (none was confirmed), else a
 * BulkOperationError naming each failed item.
 */
export function bulkFailure(operation: string, total: number, failures: TaskError[]): Error {
  if (
    failures.length === total &&
    failures.every((f) => f.cause instanceof Error && f.cause.message === IOREDIS_CLOSED)
  ) {
    return new RedisClosedError(`${operation}: the Redis connection is closed; no item was confirmed`);
  }
  return new BulkOperationError(operation, total, failures);
}
