import { describeValue } from '../utils/errors.js';
import { assertInteger, assertKnownKeys, assertOptionalBoolean, assertOptionsObject } from '../utils/validate.js';
import {
  definitionOf,
  FIELD_TYPE_NAMES,
  SORTABLE_TYPE_NAMES,
  type FieldType,
  type FieldTypes,
  type LengthLimitedType,
  type SortableType,
} from './field-types.js';

/** What a field is for: part of the key, generated key, plain value, or a value indexed for ranges. */
export type FieldKind = 'key' | 'autokey' | 'field' | 'sorted';

/** A default value, or a function giving a fresh one per instance (for lists, objects, dates). */
export type FieldDefault<T extends FieldType> = FieldTypes[T] | null | (() => FieldTypes[T] | null);

/** Popoto's default `max_length` of a KeyField. */
const DEFAULT_KEY_MAX_LENGTH = 128;
/** The length of an AutoKeyField value (Popoto's `auto_uuid_length`: 32 hex characters of a UUID4). */
export const AUTO_KEY_LENGTH = 32;

/**
 * A declared field. The type parameters carry what the declaration said, so that instance
 * properties and `create`/`filter` arguments can be inferred from it.
 */
export interface FieldSpec<
  T extends FieldType = FieldType,
  K extends FieldKind = FieldKind,
  N extends boolean = boolean,
  D extends boolean = boolean,
> {
  readonly kind: K;
  readonly type: T;
  /** Whether null is allowed. */
  readonly nullable: N;
  /** Whether a value may be left out when creating (a default, or generated). */
  readonly hasDefault: D;
  readonly default?: FieldDefault<T>;
  /** For string values: the most characters (Unicode code points, as Python counts) a value may have. */
  readonly maxLength?: number;
}

/** Any field specification. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFieldSpec = FieldSpec<any, FieldKind, boolean, boolean>;

/** Field declarations of a model (key fields form the key in alphabetical order of their names, as in Popoto). */
export type FieldMap = Record<string, AnyFieldSpec>;

type OptionsFor<T extends FieldType> = {
  type: T;
  null?: boolean;
  default?: FieldDefault<T>;
} & (T extends LengthLimitedType ? { maxLength?: number } : { maxLength?: never });

/**
 * Options of `Field`: the value type (default 'string'), whether null is allowed, a default,
 * and for strings `maxLength` (default 1024, Popoto's `max_length`).
 */
export type FieldOptions =
  | { [T in FieldType]: OptionsFor<T> }[FieldType]
  | { type?: undefined; null?: boolean; default?: FieldDefault<'string'>; maxLength?: number };

type TypeOf<O> = O extends { type: infer T extends FieldType } ? T : 'string';
type NullOf<O> = O extends { null: true } ? true : false;
type DefaultOf<O> = O extends { default: unknown } ? true : false;

interface CheckedOptions {
  type: FieldType;
  nullable: boolean;
  hasDefault: boolean;
  default?: unknown;
  maxLength?: number;
}

function checkOptions(
  factory: string,
  options: unknown,
  allowedTypes: readonly FieldType[],
  known: readonly string[],
): CheckedOptions {
  assertOptionsObject(options, `${factory} options`);
  assertKnownKeys(options, known, factory);
  const given = (options ?? {}) as Record<string, unknown>;
  const { type = allowedTypes[0], null: nullable = false } = given;
  if (typeof type !== 'string' || !allowedTypes.includes(type as FieldType)) {
    throw new TypeError(`${factory} type must be one of ${allowedTypes.join(', ')}, got ${describeValue(type)}`);
  }
  assertOptionalBoolean(nullable, `${factory} null`);
  const checked: CheckedOptions = {
    type: type as FieldType,
    nullable: nullable ?? false,
    hasDefault: 'default' in given,
  };
  if (checked.hasDefault) checked.default = given.default;
  const { defaultMaxLength } = definitionOf(checked.type);
  if (defaultMaxLength !== undefined) checked.maxLength = defaultMaxLength;
  if (given.maxLength !== undefined) {
    if (defaultMaxLength === undefined) {
      throw new TypeError(`${factory} maxLength applies to string fields only, not ${describeValue(type)}`);
    }
    assertInteger(given.maxLength, `${factory} maxLength`, 1);
    checked.maxLength = given.maxLength;
  }
  return checked;
}

/** Options of `KeyField`. */
export interface KeyFieldOptions {
  /** Most characters (code points) of a value. Default 128, Popoto's `max_length` for a KeyField. */
  maxLength?: number;
}

/**
 * A part of the instance key (Popoto's `KeyField`): a non-empty string, never null, at most
 * `maxLength` characters (default 128, as in Popoto). The key fields, in alphabetical order of
 * their names (as Popoto orders them), make the Redis key `Model:<value>:<value>`, and each has
 * an index set, so `query.get` needs them all and `query.filter` can match them exactly or by
 * prefix. A value may not contain the text `{&#58;}`: Popoto's layout cannot store it (it reads
 * back as `:`).
 */
export function KeyField(options?: KeyFieldOptions): FieldSpec<'string', 'key', false, false> {
  assertOptionsObject(options, 'KeyField options');
  assertKnownKeys(options, ['maxLength'], 'KeyField');
  const maxLength = options?.maxLength === undefined ? DEFAULT_KEY_MAX_LENGTH : options.maxLength;
  assertInteger(maxLength, 'KeyField maxLength', 1);
  return { kind: 'key', type: 'string', nullable: false, hasDefault: false, maxLength };
}

/**
 * A key generated on first save when not given (Popoto's `AutoKeyField`): 32 hex characters
 * of a random UUID. A value given yourself must be 32 characters long, as Popoto requires. As
 * in Popoto, it has no index set of its own: `filter` by it reads the model's key set.
 */
export function AutoKeyField(): FieldSpec<'string', 'autokey', false, true> {
  return { kind: 'autokey', type: 'string', nullable: false, hasDefault: true, maxLength: AUTO_KEY_LENGTH };
}

/**
 * A stored value (Popoto's `Field`). `type`: 'string' (default), 'int', 'bigint', 'float',
 * 'boolean', 'datetime', 'date', 'decimal' (an exact decimal string), 'list', 'object'.
 * `null: true` allows null; `default` is used when `create` leaves the field out (a function
 * gives a fresh value each time); `maxLength` bounds a string (default 1024 characters, as
 * Popoto's `max_length`: Popoto cannot load a longer one).
 *
 * @example
 * Field({ type: 'float' }); Field({ type: 'list', null: true }); Field({ maxLength: 4096 })
 */
export function Field<const O extends FieldOptions = { type: 'string' }>(
  options?: O,
): FieldSpec<TypeOf<O>, 'field', NullOf<O>, DefaultOf<O>> {
  const checked = checkOptions('Field', options, FIELD_TYPE_NAMES, ['type', 'null', 'default', 'maxLength']);
  return { kind: 'field', ...checked } as FieldSpec<TypeOf<O>, 'field', NullOf<O>, DefaultOf<O>>;
}

/** Options of `SortedField`: a sortable type (default 'float'), null, default. */
export type SortedFieldOptions =
  | { [T in SortableType]: { type: T; null?: boolean; default?: FieldDefault<T> } }[SortableType]
  | { type?: undefined; null?: boolean; default?: FieldDefault<'float'> };

/** The sortable types, the default ('float') first, as errors list them. */
const SORTED_FIELD_TYPES: readonly FieldType[] = ['float', ...SORTABLE_TYPE_NAMES.filter((t) => t !== 'float')];

/**
 * A value kept in a sorted index (Popoto's `SortedField`), so `query.filter` can select
 * ranges: `age__gte: 18`. `type`: 'float' (default), 'int', 'datetime' (scored by its Unix
 * timestamp) or 'date' (scored by its ordinal day, as Python's `date.toordinal()`).
 * `null: true` allows null, which takes the record out of the index (Popoto itself refuses
 * null SortedFields).
 */
export function SortedField<const O extends SortedFieldOptions = { type: 'float' }>(
  options?: O,
): FieldSpec<O extends { type: infer T extends SortableType } ? T : 'float', 'sorted', NullOf<O>, DefaultOf<O>> {
  const checked = checkOptions('SortedField', options, SORTED_FIELD_TYPES, ['type', 'null', 'default']);
  return { kind: 'sorted', ...checked } as never;
}

/** The TypeScript type of a field's value. */
export type ValueOf<S> =
  S extends FieldSpec<infer T, FieldKind, infer N, boolean> ? FieldTypes[T] | (N extends true ? null : never) : never;
