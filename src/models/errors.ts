import { describeValue } from '../utils/errors.js';

/** A value does not fit its field. Names the model, the field and the value. */
export class ModelValidationError extends TypeError {
  override readonly name = 'ModelValidationError';

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
}
