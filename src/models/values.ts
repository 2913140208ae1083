import { describeValue, messageOf } from '../utils/errors.js';
import { metaOf } from './meta.js';
import { ModelValidationError } from './errors.js';
import type { FieldTypeDefinition } from './field-types.js';
import { AUTO_KEY_LENGTH, KEY_KINDS, type AnyFieldSpec } from './fields.js';
import { NONE_KEY_PART } from './indexes.js';
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
 * within `maxLength` characters; a key value as `checkKeyValue` requires; an AutoKeyField value
 * of exactly 32 characters.
 */
export function checkFieldValue(
  {
    model,
    field,
    spec,
    definition,
  }: { model: string; field: string; spec: AnyFieldSpec; definition: FieldTypeDefinition<unknown> },
  value: unknown,
): void {
  if (value === null || value === undefined) {
    if (spec.nullable) return;
    const expected = spec.kind === 'relationship' ? relatedExpected(spec) : definition.expected;
    throw new ModelValidationError(model, field, value, `${expected} (the field is not nullable)`);
  }
  if (spec.kind === 'relationship') return checkRelated(model, field, spec, value);
  if (!definition.fits(value)) throw new ModelValidationError(model, field, value, definition.expected);
  if (spec.kind === 'geo') {
    const { latitude, longitude } = value as { latitude: number; longitude: number };
    if (latitude === 0 || longitude === 0) {
      throw new ModelValidationError(
        model,
        field,
        value,
        'a point off the equator and the prime meridian (Popoto 0.8.3 cannot load a coordinate of exactly 0: its ' +
          'check of the point tests each coordinate for truth)',
      );
    }
  }
  if ((spec.kind === 'sorted' || spec.kind === 'sortedkey') && Number.isNaN(definition.index!.score(value))) {
    throw new ModelValidationError(model, field, value, 'a value with a score (Redis cannot score NaN)');
  }
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
  if (KEY_KINDS.has(kind)) checkKeyValue(model, field, spec, value);
}

function relatedExpected(spec: AnyFieldSpec): string {
  return `an instance of ${metaOf(spec.model!).name} (a Relationship)`;
}

/**
 * Throws a ModelValidationError unless a Relationship's value is an instance of its model whose
 * key fields are valid: its key is what the record stores.
 */
function checkRelated(model: string, field: string, spec: AnyFieldSpec, value: unknown): void {
  const related = spec.model as abstract new (...args: never) => unknown;
  if (!(value instanceof related)) throw new ModelValidationError(model, field, value, relatedExpected(spec));
  const meta = metaOf(related);
  try {
    checkedKeyParts(meta, value as Record<string, unknown>, `${model}.${field}`);
  } catch (error) {
    throw new ModelValidationError(
      model,
      field,
      value,
      `${relatedExpected(spec)} with valid key fields: ${messageOf(error)}`,
    );
  }
}

/**
 * Throws a ModelValidationError unless the string `value` can be a key part: non-empty,
 * without `{&#58;}` (Popoto's layout would read it back as `:`), and, for a nullable field, not
 * `None` (Popoto writes null as `None`: the two would share one key and one index set).
 */
export function checkKeyValue(model: string, field: string, spec: AnyFieldSpec, value: string): void {
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
  if (value === NONE_KEY_PART && spec.nullable) {
    throw new ModelValidationError(
      model,
      field,
      value,
      `a string other than '${NONE_KEY_PART}' (the field is nullable, and Popoto writes null as ${NONE_KEY_PART} in the key: the two would be one record)`,
    );
  }
}

/** What the key checks need of a model (a ModelMeta). */
export interface KeyedModel {
  readonly name: string;
  /** The fields that form the key, in key order. */
  readonly keyFields: readonly string[];
  /** Their declarations and type table entries, in key order. */
  readonly keySpecs: readonly AnyFieldSpec[];
  readonly keyDefinitions: readonly FieldTypeDefinition<unknown>[];
}

/**
 * The key part of `value` given for the key field at `position` (Python's `str()` of it,
 * `None` for null in a nullable field), checked: a value of the field's type, a non-empty
 * string for a string field (else a TypeError naming `caller`, the operation: `User.delete`,
 * the field and the value), and `checkKeyValue`. The one rule for every key part built from
 * given values: `query.get`, `getMany`, `filter`, `keyPattern`, and `delete` of an instance
 * never saved or loaded.
 */
export function checkedKeyPart(model: KeyedModel, position: number, value: unknown, caller: string): string {
  const field = model.keyFields[position]!;
  const spec = model.keySpecs[position]!;
  const definition = model.keyDefinitions[position]!;
  if (value === null && spec.nullable) return NONE_KEY_PART;
  if (value === null || value === undefined || value === '' || !definition.fits(value)) {
    const expected = spec.type === 'string' ? 'a non-empty string' : definition.expected;
    throw new TypeError(
      `${caller} needs ${field} as ${expected}${spec.nullable ? ' or null' : ''}, got ${describeValue(value)}`,
    );
  }
  if (typeof value === 'string') checkKeyValue(model.name, field, spec, value);
  return definition.key!.str(value);
}

/** The key parts (in key order) of the key field values in `values`, each checked by `checkedKeyPart`. */
export function checkedKeyParts(
  model: KeyedModel,
  values: Readonly<Record<string, unknown>>,
  caller: string,
): string[] {
  return model.keyFields.map((field, i) => checkedKeyPart(model, i, values[field], caller));
}

/**
 * Key field values given by name (`{ id: '1' }`, to `query.get`, `getMany`, `keyPattern`), as
 * key parts in key order: an object naming key fields only, each value checked by
 * `checkedKeyPart`. Every key field is required, unless `partial` (`keyPattern`), where one
 * left out is undefined.
 */
export function givenKeyParts(
  model: KeyedModel,
  given: unknown,
  caller: string,
  options: { partial: true },
): (string | undefined)[];
export function givenKeyParts(
  model: KeyedModel,
  given: unknown,
  caller: string,
  options?: { partial?: false },
): string[];
export function givenKeyParts(
  model: KeyedModel,
  given: unknown,
  caller: string,
  { partial = false }: { partial?: boolean } = {},
): (string | undefined)[] {
  const { keyFields } = model;
  if (given === null || typeof given !== 'object') {
    throw new TypeError(`${caller} needs the key fields (${keyFields.join(', ')}), got ${describeValue(given)}`);
  }
  const record = given as Record<string, unknown>;
  if (!isCompleteKey(keyFields, record)) {
    for (const field of Object.keys(record)) {
      if (!keyFields.includes(field)) {
        throw new TypeError(
          `${caller}: ${JSON.stringify(field)} is not a key field (key fields: ${keyFields.join(', ')}); use filter for other fields`,
        );
      }
    }
  }
  if (!partial) return checkedKeyParts(model, record, caller);
  return keyFields.map((field, i) =>
    record[field] === undefined ? undefined : checkedKeyPart(model, i, record[field], caller),
  );
}

/** Whether `given` names every key field and nothing else: the usual case, checked without a scan. */
export function isCompleteKey(keyFields: readonly string[], given: Record<string, unknown>): boolean {
  return Object.keys(given).length === keyFields.length && keyFields.every((field) => field in given);
}

/** The default of a field for a new instance: a fresh value when the default is a function. */
export function defaultOf(spec: AnyFieldSpec): unknown {
  if (!spec.hasDefault || spec.kind === 'autokey') return null;
  const value: unknown = spec.default;
  return typeof value === 'function' ? (value as () => unknown)() : value;
}
