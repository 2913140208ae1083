import type { FieldMap, ValueOf } from './fields.js';

/** Names of the fields that form the key (KeyField and AutoKeyField); the key joins them in alphabetical order. */
export type KeyNames<F extends FieldMap> = {
  [K in keyof F]: F[K] extends { kind: 'key' | 'autokey' } ? K : never;
}[keyof F] &
  string;

/** Names of the SortedFields. */
export type SortedNames<F extends FieldMap> = { [K in keyof F]: F[K] extends { kind: 'sorted' } ? K : never }[keyof F] &
  string;

type OptionalNames<F extends FieldMap> = {
  [K in keyof F]: F[K] extends { hasDefault: true } ? K : F[K] extends { nullable: true } ? K : never;
}[keyof F];

/** The data of an instance: one property per field, typed by its declaration. */
export type Instance<F extends FieldMap> = { -readonly [K in keyof F]: ValueOf<F[K]> };

/** What `create` and `new` take: every field, optional when it has a default, is generated or may be null. */
export type CreateValues<F extends FieldMap> = { [K in Exclude<keyof F, OptionalNames<F>>]: ValueOf<F[K]> } & {
  [K in OptionalNames<F>]?: ValueOf<F[K]>;
};

/** What `query.get` takes: every key field. */
export type KeyValues<F extends FieldMap> = { [K in KeyNames<F>]: string };

type Range = 'gt' | 'gte' | 'lt' | 'lte';
type FieldName<F extends FieldMap> = keyof F & string;

/**
 * What `query.filter` takes: key fields by equality or `__startswith`, sorted fields by
 * equality or `__gt/__gte/__lt/__lte`, plus `limit` and `order_by` (`'age'` or `'-age'`).
 * Plain fields are not indexed, so they cannot be filtered on (a compile error).
 */
export type FilterParams<F extends FieldMap> = { [K in KeyNames<F>]?: string } & {
  [K in KeyNames<F> as `${K}__startswith`]?: string;
} & { [K in SortedNames<F>]?: NonNullable<ValueOf<F[K]>> } & {
  [K in SortedNames<F> as `${K}__${Range}`]?: NonNullable<ValueOf<F[K]>>;
} & { limit?: number; order_by?: FieldName<F> | `-${FieldName<F>}` };

/** Options of `save` and `create`. */
export interface SaveOptions {
  /** Time to live of the record in seconds (a fraction is sent as milliseconds). */
  expire?: number;
}
