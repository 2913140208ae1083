import { BulkOperationError } from '../redis/errors.js';
import { describeValue, PopotoError, type PopotoErrorCode } from '../utils/errors.js';

/** A value does not fit its field. Names the model, the field and the value. */
export class ModelValidationError extends TypeError {
  override readonly name = 'ModelValidationError';
  /** Stable code (the README's error table). A value that does not fit is an argument error: a TypeError. */
  readonly code: PopotoErrorCode = 'ERR_POPOTO_MODEL_VALIDATION';

  constructor(
    readonly model: string,
    readonly field: string,
    readonly value: unknown,
    expected: string,
  ) {
    super(`${model}.${field} must be ${expected}, got ${describeValue(value)}`);
  }
}

/**
 * A Redis transaction of a model operation failed; `errors` are the replies that failed. A bulk
 * failure of one item (the operation): `instanceof BulkOperationError` holds, and `failedIndexes`
 * are positions in `errors`.
 */
export class ModelWriteError extends BulkOperationError<never, unknown> {
  override readonly name: string = 'ModelWriteError';
  override readonly code: PopotoErrorCode = 'ERR_POPOTO_MODEL_WRITE';

  constructor(errors: unknown[], message: string) {
    super('', errors.length === 0 ? 0 : 1, errors, { message });
  }
}

/**
 * `query.get` by a UniqueKeyField found more than one record: Popoto does not enforce
 * uniqueness (a second record with a value already taken is saved beside the first when another
 * key field differs). `keys` are the records found; read them with `query.filter`.
 */
export class MultipleRecordsError extends PopotoError {
  override readonly name: string = 'MultipleRecordsError';
  override readonly code: PopotoErrorCode = 'ERR_POPOTO_MULTIPLE_RECORDS';

  constructor(
    operation: string,
    readonly given: Readonly<Record<string, unknown>>,
    readonly keys: readonly string[],
  ) {
    super(
      `${operation} found ${keys.length} records for ${describeValue(given)} (${keys.join(', ')}), not one: use query.filter`,
    );
  }
}

/**
 * A record's saved key is not a key of this model under the key layout of the client at hand
 * (loaded through a cluster's hash-tagged layout and saved or deleted through a single Redis,
 * say): nothing is written, since the old record's index keys cannot be named.
 */
export class RecordKeyMismatchError extends PopotoError {
  override readonly name: string = 'RecordKeyMismatchError';
  override readonly code: PopotoErrorCode = 'ERR_POPOTO_RECORD_KEY_MISMATCH';
}
