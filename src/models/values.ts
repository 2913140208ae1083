import { describeValue } from '../utils/errors.js';
import { ModelValidationError } from './errors.js';
import type { FieldTypeDefinition } from './field-types.js';
import { AUTO_KEY_LENGTH, type AnyFieldSpec } from './fields.js';
import { COLON_TOKEN } from './keys.js';

/** The length of a string in Unicode code points, as Python's `len()` counts it. */
function codePointLength(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    length++;
  }
  return length;
}

/**
 * Throws a ModelValidationError unless `value` fits the field: its type, null only when
 * allowed, and what Popoto requires of it so that Python Popoto can load the record: a string
 * within `maxLength` characters; a key value non-empty and without the text `{&#58;}` (Popoto's
 * layout would read it back as `:`); an AutoKeyField value of exactly 32 characters.
 */
export function checkFieldValue(
  model: string,
  field: string,
  spec: AnyFieldSpec,
  definition: FieldTypeDefinition<unknown>,
  value: unknown,
): void {
  if (value === null || value === undefined) {
    if (spec.nullable) return;
    throw new ModelValidationError(model, field, value, `${definition.expected} (the field is not nullable)`);
  }
  if (!definition.fits(value)) throw new ModelValidationError(model, field, value, definition.expected);
  if (typeof value !== 'string') return;
  const { kind, maxLength } = spec;
  if (kind === 'autokey') {
    if (value.length !== AUTO_KEY_LENGTH || codePointLength(value) !== AUTO_KEY_LENGTH) {
      throw new ModelValidationError(
        model,
        field,
        value,
        `${AUTO_KEY_LENGTH} characters long (Popoto's AutoKeyField length)`,
      );
    }
  } else if (maxLength !== undefined && value.length > maxLength && codePointLength(value) > maxLength) {
    // value.length counts UTF-16 units, never fewer than code points: most values are decided without counting.
    throw new ModelValidationError(
      model,
      field,
      value,
      `at most ${maxLength} characters (maxLength; Popoto cannot load a longer value), it has ${codePointLength(value)}`,
    );
  }
  if (kind === 'key' || kind === 'autokey') checkKeyValue(model, field, value);
}

/** Throws a ModelValidationError unless `value` can be a key part: non-empty, without `{&#58;}`. */
export function checkKeyValue(model: string, field: string, value: string): void {
  if (value === '') {
    throw new ModelValidationError(model, field, value, 'a non-empty string (it is part of the key)');
  }
  if (value.includes(COLON_TOKEN)) {
    throw new ModelValidationError(
      model,
      field,
      value,
      `a key value without the text ${COLON_TOKEN} (Popoto's key layout stores ':' as that text, so it would read back as ':')`,
    );
  }
}

/**
 * The key field values (in `keyFields` order) of `values`, each checked as a key part: a
 * non-empty string (TypeError naming `caller`, the operation: `User.delete`), and
 * `checkKeyValue`. The one rule for every record key built from given values: `query.get`,
 * `getMany`, `keyPattern`, and `delete` of an instance never saved or loaded.
 */
export function checkedKeyValues(
  model: string,
  keyFields: readonly string[],
  values: Readonly<Record<string, unknown>>,
  caller: string,
): string[] {
  return keyFields.map((field) => checkedKeyValue(model, field, values[field], caller));
}

function checkedKeyValue(model: string, field: string, value: unknown, caller: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`${caller} needs ${field} as a non-empty string, got ${describeValue(value)}`);
  }
  checkKeyValue(model, field, value);
  return value;
}

/** What `givenKeyValues` needs of a model. */
interface KeyedModel {
  readonly name: string;
  /** Key and auto-key fields, in key order. */
  readonly keyFields: readonly string[];
}

/**
 * Key field values given by name (`{ id: '1' }`, to `query.get`, `getMany`, `keyPattern`), in
 * key order: an object naming key fields only, each value checked as `checkedKeyValues` checks
 * it. Every key field is required, unless `partial` (`keyPattern`), where one left out is
 * undefined.
 */
export function givenKeyValues(
  model: KeyedModel,
  given: unknown,
  caller: string,
  partial: true,
): (string | undefined)[];
export function givenKeyValues(model: KeyedModel, given: unknown, caller: string, partial?: false): string[];
export function givenKeyValues(
  model: KeyedModel,
  given: unknown,
  caller: string,
  partial = false,
): (string | undefined)[] {
  const { name, keyFields } = model;
  if (given === null || typeof given !== 'object') {
    throw new TypeError(`${caller} needs the key fields (${keyFields.join(', ')}), got ${describeValue(given)}`);
  }
  const record = given as Record<string, unknown>;
  // Every key field present and nothing else: the usual case, checked without a scan.
  const complete = Object.keys(record).length === keyFields.length && keyFields.every((f) => f in record);
  for (const field of complete ? [] : Object.keys(record)) {
    if (!keyFields.includes(field)) {
      throw new TypeError(
        `${caller}: ${JSON.stringify(field)} is not a key field (key fields: ${keyFields.join(', ')}); use filter for other fields`,
      );
    }
  }
  if (!partial) return checkedKeyValues(name, keyFields, record, caller);
  return keyFields.map((field) =>
    record[field] === undefined ? undefined : checkedKeyValue(name, field, record[field], caller),
  );
}

/** The default of a field for a new instance: a fresh value when the default is a function. */
export function defaultOf(spec: AnyFieldSpec): unknown {
  if (!spec.hasDefault || spec.kind === 'autokey') return null;
  const value: unknown = spec.default;
  return typeof value === 'function' ? (value as () => unknown)() : value;
}
