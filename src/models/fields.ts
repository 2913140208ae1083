import { describeValue } from '../utils/errors.js';
import {
  assertInteger,
  assertKnownKeys,
  assertOptionalBoolean,
  assertOptionsObject,
  optionNames,
} from '../utils/validate.js';
import {
  definitionOf,
  PLAIN_FIELD_TYPE_NAMES,
  KEYABLE_TYPE_NAMES,
  SORTABLE_TYPE_NAMES,
  type FieldType,
  type FieldTypes,
  type KeyableType,
  type LengthLimitedType,
  type PlainFieldType,
  type SortableType,
} from './field-types.js';

/**
 * What a field is for: a part of the key (`key`, `uniquekey`, `sortedkey`: Popoto's KeyField,
 * UniqueKeyField and SortedKeyField, each with its own index; `autokey`: generated, no index),
 * a plain value (`field`), a value indexed for ranges (`sorted`), a point indexed for radius
 * searches (`geo`), or a reference to a record of another model (`relationship`).
 */
export type FieldKind = 'key' | 'uniquekey' | 'sortedkey' | 'autokey' | 'field' | 'sorted' | 'geo' | 'relationship';

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
  /** A datetime set on save (Popoto's DatetimeField): `'always'` (`auto_now`) or when null (`auto_now_add`). */
  readonly autoNow?: 'always' | 'add';
  /** A SortedField's partition fields (Popoto's `sort_by`): one sorted set per combination of their values. */
  readonly sortBy?: readonly string[];
  /** A Relationship's related model class. */
  readonly model?: object;
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
} & (T extends LengthLimitedType ? { maxLength?: number } : { maxLength?: never }) &
  (T extends 'datetime' ? { autoNow?: boolean; autoNowAdd?: boolean } : { autoNow?: never; autoNowAdd?: never });

/**
 * Options of `Field`: the value type (default 'string'), whether null is allowed, a default,
 * for strings `maxLength` (default 1024, Popoto's `max_length`), and for datetimes `autoNow`
 * (set to now on every save, Popoto's `auto_now`) or `autoNowAdd` (set to now on a save while
 * null, so on the first: Popoto's `auto_now_add`).
 */
export type FieldOptions =
  | { [T in PlainFieldType]: OptionsFor<T> }[PlainFieldType]
  | { type?: undefined; null?: boolean; default?: FieldDefault<'string'>; maxLength?: number };

type TypeOf<O> = O extends { type: infer T extends FieldType } ? T : 'string';
type NullOf<O> = O extends { null: true } ? true : false;
type DefaultOf<O> = O extends { default: unknown } | { autoNow: true } | { autoNowAdd: true } ? true : false;

interface CheckedOptions {
  type: FieldType;
  nullable: boolean;
  hasDefault: boolean;
  default?: unknown;
  maxLength?: number;
}

/** What a field factory allows: its types (the default first), its option names, a string length of its own. */
interface FactoryRules {
  types: readonly FieldType[];
  known: readonly string[];
  defaultStringLength?: number;
}

function checkOptions(
  factory: string,
  options: unknown,
  { types: allowedTypes, known, defaultStringLength }: FactoryRules,
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
const KEY_FIELD_OPTIONS = optionNames<KeyFieldOptions>({ type: true, null: true, maxLength: true });
const UNIQUE_KEY_FIELD_OPTIONS = optionNames<UniqueKeyFieldOptions>({ type: true, null: true, maxLength: true });

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
  const checked = checkOptions('KeyField', options, {
    types: KEY_FIELD_TYPES,
    known: KEY_FIELD_OPTIONS,
    defaultStringLength: KEY_MAX_LENGTH,
  });
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
  const checked = checkOptions('UniqueKeyField', options, {
    types: KEY_FIELD_TYPES,
    known: UNIQUE_KEY_FIELD_OPTIONS,
    defaultStringLength: KEY_MAX_LENGTH,
  });
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
  const checked = checkOptions('SortedKeyField', options, {
    types: SORTED_FIELD_TYPES,
    known: optionNames<SortedKeyFieldOptions>({ type: true, null: true }),
  });
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
  assertKnownKeys(options, optionNames<AutoKeyFieldOptions>({ null: true }), 'AutoKeyField');
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
  const checked = checkOptions('Field', options, {
    types: PLAIN_FIELD_TYPE_NAMES,
    known: optionNames<FieldOptions>({
      type: true,
      null: true,
      default: true,
      maxLength: true,
      autoNow: true,
      autoNowAdd: true,
    }),
  });
  const { autoNow, autoNowAdd } = (options ?? {}) as { autoNow?: unknown; autoNowAdd?: unknown };
  assertOptionalBoolean(autoNow, 'Field autoNow');
  assertOptionalBoolean(autoNowAdd, 'Field autoNowAdd');
  if (!autoNow && !autoNowAdd) return { kind: 'field', ...checked } as never;
  if (checked.type !== 'datetime') {
    throw new TypeError(
      `Field ${autoNow ? 'autoNow' : 'autoNowAdd'} applies to datetime fields only (Popoto's DatetimeField), not ${describeValue(checked.type)}`,
    );
  }
  // Popoto's format_value_pre_save checks auto_now_add first: with both, a null value gets now either way.
  return { kind: 'field', ...checked, hasDefault: true, autoNow: autoNow ? 'always' : 'add' } as never;
}

/**
 * Options of `SortedField`: a sortable type (default 'float'), null, default, and `sortBy`: the
 * field (or fields) whose values partition the index (Popoto's `sort_by`).
 */
export type SortedFieldOptions =
  | {
      [T in SortableType]: { type: T; null?: boolean; default?: FieldDefault<T>; sortBy?: string | readonly string[] };
    }[SortableType]
  | { type?: undefined; null?: boolean; default?: FieldDefault<'float'>; sortBy?: string | readonly string[] };

/**
 * A value kept in a sorted index (Popoto's `SortedField`), so `query.filter` can select
 * ranges: `age__gte: 18`. `type`: 'float' (default), 'int', 'datetime' (scored by its Unix
 * timestamp), 'date' (scored by its ordinal day, as Python's `date.toordinal()`) or 'decimal'
 * (scored by its float; as Popoto saves `float(value)`, the stored text becomes Python's
 * `str()` of that float: `'100.0'` for `'100'`, and the instance holds it after a save).
 * `null: true` allows null, which takes the record out of the index (Popoto itself refuses
 * null SortedFields).
 *
 * `sortBy: 'team'` (or `['team', 'tier']`) keeps one sorted set per value of those fields,
 * `$SortF:<Model>:<field>:<team>[:<tier>]`, as Popoto's `sort_by`: a range filter must then name
 * them by equality (`filter({ team: 'red', score__gte: 3 })`), else it is a TypeError naming
 * the one left out; a save that changes one moves the record to its new partition.
 */
export function SortedField<const O extends SortedFieldOptions = { type: 'float' }>(
  options?: O,
): FieldSpec<O extends { type: infer T extends SortableType } ? T : 'float', 'sorted', NullOf<O>, DefaultOf<O>> &
  SortByOf<O> {
  const checked = checkOptions('SortedField', options, {
    types: SORTED_FIELD_TYPES,
    known: optionNames<SortedFieldOptions>({ type: true, null: true, default: true, sortBy: true }),
  });
  const sortBy = (options as { sortBy?: unknown } | undefined)?.sortBy;
  if (sortBy === undefined) return { kind: 'sorted', ...checked } as never;
  const names = typeof sortBy === 'string' ? [sortBy] : sortBy;
  if (!Array.isArray(names) || names.length === 0 || !names.every((name) => typeof name === 'string')) {
    throw new TypeError(`SortedField sortBy must be a field name or an array of them, got ${describeValue(sortBy)}`);
  }
  return { kind: 'sorted', ...checked, sortBy: [...names] } as never;
}

/** The partition fields a SortedField's options name, in its type (filters take them by equality). */
type SortByOf<O> = O extends { sortBy: infer S }
  ? { readonly sortBy: readonly (S extends readonly (infer E extends string)[] ? E : S & string)[] }
  : unknown;

/** Options of `GeoField`: whether null is allowed (default false). */
export type GeoFieldOptions = { null?: boolean };

/**
 * A point kept in a geo index (Popoto's `GeoField`): the value is `{ latitude, longitude }`,
 * stored as Popoto's tuple wrapper and GEOADDed to `$GeoF:<Model>:<field>`; null (when
 * `null: true`) is stored as Popoto's `(None, None)` and takes the record out of the index.
 * `filter({ loc: { latitude, longitude }, loc_radius: 5, loc_radius_unit: 'km' })` finds the
 * records within the radius (Popoto's parameters: radius default 1, unit 'm', 'km', 'ft' or 'mi').
 */
export function GeoField<const O extends GeoFieldOptions = { null: false }>(
  options?: O,
): FieldSpec<'geo', 'geo', NullOf<O>, false> {
  // `type` is set here, not by the caller: GeoFieldOptions has none.
  const checked = checkOptions(
    'GeoField',
    { ...options, type: 'geo' },
    {
      types: ['geo'],
      known: ['type', ...optionNames<GeoFieldOptions>({ null: true })],
    },
  );
  return { kind: 'geo', ...checked, hasDefault: false } as never;
}

/** Options of `Relationship`: the related model class, and whether null is allowed (default false). */
export type RelationshipOptions<M> = { model: M; null?: boolean };

/** A Relationship's declaration: its related model class is in `model`. */
export type RelationshipSpec<M, N extends boolean> = FieldSpec<'relationship', 'relationship', N, false> & {
  readonly model: M;
};

/**
 * A reference to a record of another model (Popoto's `Relationship`): the value is an instance
 * of `model`; the hash holds its record key, and the record is indexed in
 * `$RelationshipF:<Model>:<field>:<related key>`, so `filter({ owner })` finds the records of
 * an owner. Reads load the related records, batched (a bounded number of round trips for any
 * number of records). When the related record is deleted, the reference stays (as in Popoto):
 * it reads as null, or, unless declared `null: true`, as a ModelValidationError naming the record.
 */
export function Relationship<const O extends RelationshipOptions<abstract new (...args: never) => unknown>>(
  options: O,
): RelationshipSpec<O['model'], NullOf<O>> {
  assertOptionsObject(options, 'Relationship options');
  if (options === undefined) throw new TypeError('Relationship needs options: { model: <the related model class> }');
  const { model } = options as { model?: unknown };
  if (typeof model !== 'function') {
    throw new TypeError(`Relationship model must be a model class (from defineModel), got ${describeValue(model)}`);
  }
  // `type` is set here, not by the caller: RelationshipOptions has none.
  const checked = checkOptions(
    'Relationship',
    { ...options, type: 'relationship' },
    {
      types: ['relationship'],
      known: ['type', ...optionNames<RelationshipOptions<unknown>>({ null: true, model: true })],
    },
  );
  delete checked.maxLength;
  return { kind: 'relationship', ...checked, hasDefault: false, model } as never;
}

/** The TypeScript type of a field's value (a Relationship's: an instance of its model). */
export type ValueOf<S> =
  S extends RelationshipSpec<abstract new (...args: never) => infer I, infer N>
    ? I | (N extends true ? null : never)
    : S extends FieldSpec<infer T, FieldKind, infer N, boolean>
      ? FieldTypes[T] | (N extends true ? null : never)
      : never;
