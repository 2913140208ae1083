import { describeValue } from '../utils/errors.js';
import type { FieldType, FieldTypes } from './codec.js';

/** What a field is for: part of the key, generated key, plain value, or a value indexed for ranges. */
export type FieldKind = 'key' | 'autokey' | 'field' | 'sorted';

/** A default value, or a function giving a fresh one per instance (for lists, objects, dates). */
export type FieldDefault<T extends FieldType> = FieldTypes[T] | null | (() => FieldTypes[T] | null);

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
}

/** Any field specification. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFieldSpec = FieldSpec<any, FieldKind, boolean, boolean>;

/** Field declarations of a model, in declaration order (key fields form the key in this order). */
export type FieldMap = Record<string, AnyFieldSpec>;

type OptionsFor<T extends FieldType> = { type: T; null?: boolean; default?: FieldDefault<T> };

/** Options of `Field`: the value type (default 'string'), whether null is allowed, a default. */
export type FieldOptions =
  | { [T in FieldType]: OptionsFor<T> }[FieldType]
  | { type?: undefined; null?: boolean; default?: FieldDefault<'string'> };

type TypeOf<O> = O extends { type: infer T extends FieldType } ? T : 'string';
type NullOf<O> = O extends { null: true } ? true : false;
type DefaultOf<O> = O extends { default: unknown } ? true : false;

const FIELD_TYPES: readonly FieldType[] = [
  'string',
  'int',
  'float',
  'boolean',
  'datetime',
  'date',
  'decimal',
  'list',
  'object',
];

function checkOptions(
  factory: string,
  options: unknown,
  allowedTypes: readonly FieldType[],
): { type: FieldType; nullable: boolean; hasDefault: boolean; default?: unknown } {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new TypeError(`${factory} options must be an object, got ${describeValue(options)}`);
  }
  const { type = allowedTypes[0], null: nullable = false, ...rest } = (options ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(rest)) {
    if (key !== 'default')
      throw new TypeError(`${factory} has no option ${JSON.stringify(key)} (known: type, null, default)`);
  }
  if (typeof type !== 'string' || !allowedTypes.includes(type as FieldType)) {
    throw new TypeError(`${factory} type must be one of ${allowedTypes.join(', ')}, got ${describeValue(type)}`);
  }
  if (typeof nullable !== 'boolean')
    throw new TypeError(`${factory} null must be a boolean, got ${describeValue(nullable)}`);
  const hasDefault = 'default' in rest;
  return { type: type as FieldType, nullable, hasDefault, ...(hasDefault ? { default: rest.default } : {}) };
}

/**
 * A part of the instance key (Popoto's `KeyField`): a string, never null. Key fields, in
 * declaration order, make the Redis key `Model:<value>:<value>`, and each has an index set,
 * so `query.get` needs them all and `query.filter` can match them exactly or by prefix.
 */
export function KeyField(): FieldSpec<'string', 'key', false, false> {
  return { kind: 'key', type: 'string', nullable: false, hasDefault: false };
}

/** A key generated on first save when not given (Popoto's `AutoKeyField`): 32 hex characters of a random UUID. */
export function AutoKeyField(): FieldSpec<'string', 'autokey', false, true> {
  return { kind: 'autokey', type: 'string', nullable: false, hasDefault: true };
}

/**
 * A stored value (Popoto's `Field`). `type`: 'string' (default), 'int', 'float', 'boolean',
 * 'datetime', 'date', 'decimal' (an exact decimal string), 'list', 'object'. `null: true`
 * allows null; `default` is used when `create` leaves the field out (a function gives a fresh value each time).
 *
 * @example
 * Field({ type: 'float' }); Field({ type: 'list', null: true }); Field({ type: 'boolean', default: true })
 */
export function Field<const O extends FieldOptions = { type: 'string' }>(
  options?: O,
): FieldSpec<TypeOf<O>, 'field', NullOf<O>, DefaultOf<O>> {
  const checked = checkOptions('Field', options, FIELD_TYPES);
  return { kind: 'field', ...checked } as FieldSpec<TypeOf<O>, 'field', NullOf<O>, DefaultOf<O>>;
}

type SortedType = 'int' | 'float' | 'datetime';
/** Options of `SortedField`: a number or datetime type (default 'float'), null, default. */
export type SortedFieldOptions =
  | { [T in SortedType]: OptionsFor<T> }[SortedType]
  | { type?: undefined; null?: boolean; default?: FieldDefault<'float'> };

/**
 * A value kept in a sorted index (Popoto's `SortedField`), so `query.filter` can select
 * ranges: `age__gte: 18`. `type`: 'float' (default), 'int' or 'datetime' (scored by its Unix timestamp).
 */
export function SortedField<const O extends SortedFieldOptions = { type: 'float' }>(
  options?: O,
): FieldSpec<O extends { type: infer T extends SortedType } ? T : 'float', 'sorted', NullOf<O>, DefaultOf<O>> {
  const checked = checkOptions('SortedField', options, ['float', 'int', 'datetime']);
  return { kind: 'sorted', ...checked } as never;
}

/** The TypeScript type of a field's value. */
export type ValueOf<S> =
  S extends FieldSpec<infer T, FieldKind, infer N, boolean> ? FieldTypes[T] | (N extends true ? null : never) : never;
