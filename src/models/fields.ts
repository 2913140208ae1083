import { describeValue } from '../utils/errors.js';
import { assertInteger, assertKnownKeys, assertOptionalBoolean, assertOptionsObject } from '../utils/validate.js';
import {
  definitionOf,
  FIELD_TYPE_NAMES,
  KEYABLE_TYPE_NAMES,
  SORTABLE_TYPE_NAMES,
  type FieldType,
  type FieldTypes,
  type KeyableType,
  type LengthLimitedType,
  type SortableType,
} from './field-types.js';

/**
 * What a field is for: a part of the key (`key`, `uniquekey`, `sortedkey`: Popoto's KeyField,
 * UniqueKeyField and SortedKeyField, each with its own index; `autokey`: generated, no index),
 * a plain value (`field`), or a value indexed for ranges (`sorted`).
 */
export type FieldKind = 'key' | 'uniquekey' | 'sortedkey' | 'autokey' | 'field' | 'sorted';

/** The kinds of field that are a part of the record key. */
export const KEY_KINDS: ReadonlySet<FieldKind> = new Set(['key', 'uniquekey', 'sortedkey', 'autokey']);

/** A default value, or a function giving a fresh one per instance (for lists, objects, dates). */
export type FieldDefault<T extends FieldType> = FieldTypes[T] | null | (() => FieldTypes[T] | null);

/** Popoto's default `max_length` of a KeyField. */
const KEY_MAX_LENGTH = 128;
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
  defaultStringLength?: number,
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
  if (defaultMaxLength !== undefined) checked.maxLength = defaultStringLength ?? defaultMaxLength;
  if (given.maxLength !== undefined) {
    if (defaultMaxLength === undefined) {
      throw new TypeError(`${factory} maxLength applies to string fields only, not ${describeValue(type)}`);
    }
    assertInteger(given.maxLength, `${factory} maxLength`, 1);
    checked.maxLength = given.maxLength;
  }
  return checked;
}

type KeyOptionsFor<T extends KeyableType> = { type: T; null?: boolean } & (T extends LengthLimitedType
  ? { maxLength?: number }
  : { maxLength?: never });

/**
 * Options of `KeyField`: the value type (default 'string'), whether null is allowed (Popoto's
 * `None`), and for strings `maxLength` (default 128, Popoto's `max_length` for a KeyField).
 */
export type KeyFieldOptions =
  { [T in KeyableType]: KeyOptionsFor<T> }[KeyableType] | { type?: undefined; null?: boolean; maxLength?: number };

/** Options of `UniqueKeyField`: as `KeyField`'s, but never null (Popoto refuses `null=True` on it). */
export type UniqueKeyFieldOptions =
  | { [T in KeyableType]: Omit<KeyOptionsFor<T>, 'null'> & { null?: false } }[KeyableType]
  | { type?: undefined; null?: false; maxLength?: number };

/** Options of `SortedKeyField`: a sortable type (default 'float', as Popoto's); never null (Popoto refuses it). */
export type SortedKeyFieldOptions = { type?: SortableType; null?: false };

/** Options of `AutoKeyField`: none but `null: false` (Popoto refuses `null=True` on it). */
export type AutoKeyFieldOptions = { null?: false };

/** The key field types, 'string' (the default) first, as errors list them. */
const KEY_FIELD_TYPES: readonly FieldType[] = KEYABLE_TYPE_NAMES;
/** The sortable types, the default ('float') first, as errors list them. */
const SORTED_FIELD_TYPES: readonly FieldType[] = ['float', ...SORTABLE_TYPE_NAMES.filter((t) => t !== 'float')];

/**
 * Checks the options of a key field that Popoto never lets be null: `null: true` is refused
 * with Popoto's own reason, before the other options are checked.
 */
function checkNeverNull(factory: string, options: unknown, reason: string): void {
  assertOptionsObject(options, `${factory} options`);
  const nullable = (options as { null?: unknown } | undefined)?.null;
  if (nullable !== undefined && nullable !== false) {
    throw new TypeError(`${factory} null must be false or left out (${reason}), got ${describeValue(nullable)}`);
  }
}

/**
 * A part of the instance key (Popoto's `KeyField`). The key fields, in alphabetical order of
 * their names (as Popoto orders them), make the Redis key `Model:<value>:<value>`, each written
 * as Python's `str()` of the value (`7`, `1.5`, `True`, `2024-01-02`), escaped as Popoto
 * escapes it; each has an index set `$KeyF:<Model>:<field>:<value>`. So `query.get` takes
 * them all, and `query.filter` matches them by equality, `__in`, `__startswith`,
 * `__endswith` and (when nullable) `__isnull`.
 *
 * `type`: 'string' (default), 'int', 'bigint', 'float', 'boolean', 'date', 'datetime',
 * 'decimal'; values come back typed. `null: true` allows null, written as Popoto's `None`.
 * A string is non-empty, at most `maxLength` characters (default 128, as in Popoto), and may
 * not contain the text `{&#58;}` (Popoto's layout cannot store it: it reads back as `:`).
 *
 * @example
 * KeyField(); KeyField({ type: 'int' }); KeyField({ type: 'date', null: true })
 */
export function KeyField<const O extends KeyFieldOptions = { type: 'string' }>(
  options?: O,
): FieldSpec<TypeOf<O>, 'key', NullOf<O>, false> {
  const checked = checkOptions('KeyField', options, KEY_FIELD_TYPES, ['type', 'null', 'maxLength'], KEY_MAX_LENGTH);
  return { kind: 'key', ...checked, hasDefault: false } as FieldSpec<TypeOf<O>, 'key', NullOf<O>, false>;
}

/**
 * A key field indexed as unique (Popoto's `UniqueKeyField`): part of the record key like a
 * `KeyField`, but its index set is `$UniqueKeyF:<Model>:<field>:<value>`, and `query.get`
 * finds a record by it alone. As in Popoto, uniqueness is not enforced: a second record with a
 * value already taken is saved (over the first when the key is the same, beside it when another
 * key field differs), and `query.get` by the value alone then fails, naming both. Never null.
 */
export function UniqueKeyField<const O extends UniqueKeyFieldOptions = { type: 'string' }>(
  options?: O,
): FieldSpec<TypeOf<O>, 'uniquekey', false, false> {
  checkNeverNull('UniqueKeyField', options, 'Popoto: "you may not set null=True on this field type"');
  const checked = checkOptions(
    'UniqueKeyField',
    options,
    KEY_FIELD_TYPES,
    ['type', 'null', 'maxLength'],
    KEY_MAX_LENGTH,
  );
  return { kind: 'uniquekey', ...checked, hasDefault: false } as FieldSpec<TypeOf<O>, 'uniquekey', false, false>;
}

/**
 * A key field kept in a sorted set (Popoto's `SortedKeyField`): part of the record key, and
 * scored in `$SortedKeyF:<Model>:<field>` (no `$KeyF` set, as in Popoto), so `query.filter`
 * selects ranges of it (`rank__gte: 3`) as well as equality and `__in`. `type`: 'float'
 * (default, as in Popoto), 'int', 'datetime', 'date'. Never null (Popoto refuses it).
 */
export function SortedKeyField<const O extends SortedKeyFieldOptions = { type: 'float' }>(
  options?: O,
): FieldSpec<O extends { type: infer T extends SortableType } ? T : 'float', 'sortedkey', false, false> {
  checkNeverNull('SortedKeyField', options, 'Popoto: "SortedField cannot be null"');
  const checked = checkOptions('SortedKeyField', options, SORTED_FIELD_TYPES, ['type', 'null']);
  return { kind: 'sortedkey', ...checked, hasDefault: false } as never;
}

/**
 * A key generated on first save when not given (Popoto's `AutoKeyField`): 32 hex characters
 * of a random UUID. A value given yourself must be 32 characters long, as Popoto requires. As
 * in Popoto, it has no index set of its own: `filter` by it reads the model's key set. A model
 * declared with no key field gets one, named `_auto_key`, as Popoto adds it.
 */
export function AutoKeyField(options?: AutoKeyFieldOptions): FieldSpec<'string', 'autokey', false, true> {
  checkNeverNull('AutoKeyField', options, 'Popoto: "you may not set null=True on this field type"');
  assertKnownKeys(options, ['null'], 'AutoKeyField');
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
