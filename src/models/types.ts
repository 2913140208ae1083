import type { FieldMap, FieldSpec, ValueOf } from './fields.js';

/** Names of the fields that form the key (KeyField, UniqueKeyField, SortedKeyField, AutoKeyField); the key joins them in alphabetical order. */
export type KeyNames<F extends FieldMap> = {
  [K in keyof F]: F[K] extends { kind: 'key' | 'uniquekey' | 'sortedkey' | 'autokey' } ? K : never;
}[keyof F] &
  string;

/** Names of the UniqueKeyFields: `query.get` finds a record by one of them alone. */
export type UniqueKeyNames<F extends FieldMap> = {
  [K in keyof F]: F[K] extends { kind: 'uniquekey' } ? K : never;
}[keyof F] &
  string;

/** Names of the fields kept in a sorted index (SortedField and SortedKeyField), which filter by range. */
export type SortedNames<F extends FieldMap> = {
  [K in keyof F]: F[K] extends { kind: 'sorted' | 'sortedkey' } ? K : never;
}[keyof F] &
  string;

/** Names of the nullable key fields, which filter by `__isnull`. */
type NullableKeyNames<F extends FieldMap> = {
  [K in KeyNames<F>]: F[K] extends { nullable: true } ? K : never;
}[KeyNames<F>];

type OptionalNames<F extends FieldMap> = {
  [K in keyof F]: F[K] extends { hasDefault: true } ? K : F[K] extends { nullable: true } ? K : never;
}[keyof F];

/**
 * The fields of a model declared with `F`: `F`, plus Popoto's hidden `_auto_key` AutoKeyField
 * when `F` has no key field (Popoto adds it to such a model).
 */
export type ModelFields<F extends FieldMap> = [KeyNames<F>] extends [never]
  ? F & { readonly _auto_key: FieldSpec<'string', 'autokey', false, true> }
  : F;

/** The data of an instance: one property per field, typed by its declaration. */
export type Instance<F extends FieldMap> = { -readonly [K in keyof F]: ValueOf<F[K]> };

/** What `create` and `new` take: every field, optional when it has a default, is generated or may be null. */
export type CreateValues<F extends FieldMap> = { [K in Exclude<keyof F, OptionalNames<F>>]: ValueOf<F[K]> } & {
  [K in OptionalNames<F>]?: ValueOf<F[K]>;
};

/** What `query.get` takes: every key field, typed by its declaration (null for a nullable one: Popoto's `None`). */
export type KeyValues<F extends FieldMap> = { [K in KeyNames<F>]: ValueOf<F[K]> };

/** What `query.get` takes to find a record by a UniqueKeyField: its value, with any of the other key fields. */
export type UniqueKeyValues<F extends FieldMap> = {
  [U in UniqueKeyNames<F>]: { [K in U]: ValueOf<F[K]> } & Partial<KeyValues<F>>;
}[UniqueKeyNames<F>];

type Range = 'gt' | 'gte' | 'lt' | 'lte';
/** A field name of a model. */
export type FieldName<F extends FieldMap> = keyof F & string;

/** Names of the GeoFields, which filter by radius. */
type GeoNames<F extends FieldMap> = { [K in keyof F]: F[K] extends { kind: 'geo' } ? K : never }[keyof F] & string;

/** Names of the Relationships, which filter by their related instance. */
type RelationshipNames<F extends FieldMap> = {
  [K in keyof F]: F[K] extends { kind: 'relationship' } ? K : never;
}[keyof F] &
  string;

/** Names of the fields partitioning a SortedField (its `sortBy`), given by equality beside its range. */
type PartitionNames<F extends FieldMap> = {
  [K in keyof F]: F[K] extends { sortBy: readonly (infer S)[] } ? S : never;
}[keyof F] &
  keyof F &
  string;

/** A projection (`values`): a plain object of the fields `K`. */
export type Projection<F extends FieldMap, K extends keyof F> = { -readonly [P in K]: ValueOf<F[P]> };

/** The options of `all`: `order_by`, `limit` and `values`, as `filter`'s. */
export type AllOptions<F extends FieldMap> = {
  limit?: number;
  order_by?: FieldName<F> | `-${FieldName<F>}`;
  values?: readonly FieldName<F>[];
};

/**
 * What `query.filter` takes: key fields by equality, `__in` (a list of values),
 * `__startswith`/`__endswith` (text of the key part) and, when nullable, `__isnull`; sorted
 * fields (SortedField, SortedKeyField) by equality or `__gt/__gte/__lt/__lte`; plus `limit` and
 * `order_by` (`'age'` or `'-age'`). Plain fields are not indexed, so they cannot be filtered on
 * (a compile error), except the partition fields of a SortedField (`sortBy`), given by
 * equality beside its range. GeoFields by radius (`loc`, `loc_radius`, `loc_radius_unit`),
 * Relationships by their related instance (`owner`). `values` makes the results plain objects
 * of those fields.
 */
export type FilterParams<F extends FieldMap> = { [K in KeyNames<F>]?: ValueOf<F[K]> } & {
  [K in KeyNames<F> as `${K}__in`]?: readonly ValueOf<F[K]>[];
} & {
  [K in KeyNames<F> as `${K}__startswith` | `${K}__endswith`]?: string;
} & { [K in NullableKeyNames<F> as `${K}__isnull`]?: boolean } & {
  [K in SortedNames<F>]?: NonNullable<ValueOf<F[K]>>;
} & {
  [K in SortedNames<F> as `${K}__${Range}`]?: NonNullable<ValueOf<F[K]>>;
} & { [K in PartitionNames<F>]?: ValueOf<F[K]> } & {
  [K in RelationshipNames<F>]?: NonNullable<ValueOf<F[K]>>;
} & { [K in GeoNames<F>]?: { latitude: number; longitude: number } } & {
  [K in GeoNames<F> as `${K}_latitude` | `${K}_longitude` | `${K}_radius`]?: number;
} & { [K in GeoNames<F> as `${K}_radius_unit`]?: 'm' | 'km' | 'ft' | 'mi' } & AllOptions<F>;

/** Options of `save` and `create`. */
export interface SaveOptions {
  /** Time to live of the record in seconds (a fraction is sent as milliseconds). */
  expire?: number;
  /**
   * After the save, wait (Redis `WAIT`, at most `timeoutMs` / 4) until this many replicas have it;
   * with fewer, the save rejects with a ModelWriteError whose cause is a ReplicasNotConfirmedError
   * (the record is written on the master, but a failover before its replicas catch up may discard
   * it). Costs a round trip and the replicas' lag (see docs/reliability.md).
   */
  waitReplicas?: number;
}
