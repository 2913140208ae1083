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

/** A Redis transaction of a model operation failed; `errors` are the replies that failed. */
export class ModelWriteError extends AggregateError {
  override readonly name = 'ModelWriteError';
  /** Stable code (the README's error table). */
  readonly code: PopotoErrorCode = 'ERR_POPOTO_MODEL_WRITE';
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
