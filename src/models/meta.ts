import {
  defaultConnection,
  isCluster,
  RedisConnection,
  type RedisClient,
  type RedisSource,
} from '../redis/connection.js';
import { RedisNotConnectedError } from '../redis/errors.js';
import { describeValue, messageOf } from '../utils/errors.js';
import { ModelValidationError } from './errors.js';
import { definitionOf, parseKeyPart, type FieldType, type FieldTypeDefinition } from './field-types.js';
import { AutoKeyField, KEY_KINDS, type AnyFieldSpec, type FieldMap } from './fields.js';
import { fieldIndexes, NONE_KEY_PART, RecordIndexes, type FieldIndex } from './indexes.js';
import type { KeyLayout } from './keys.js';
import { NIL } from './codec.js';
import { escapeKeyPart } from './keys.js';

/** Where a model class keeps its ModelMeta. */
export const META = Symbol('popoto-ts.model');

/** The metadata of a model class or instance. */
export function metaOf(target: object): ModelMeta {
  const owner = (typeof target === 'function' ? target : target.constructor) as { [META]?: ModelMeta };
  const meta = owner[META];
  if (meta === undefined) throw new TypeError('not a popoto-ts model');
  return meta;
}

/** Names a field cannot have: the instance's methods, and the options of `query.filter`. */
const RESERVED = new Set([
  'save',
  'delete',
  'toJSON',
  'constructor',
  '__proto__',
  'prototype',
  'limit',
  'order_by',
  'values',
]);

/** Orders strings by Unicode code point, as Python's `sorted()` orders field names. */
function byCodePoint(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** The name of the AutoKeyField Popoto adds to a model declared without a key field. */
export const HIDDEN_AUTO_KEY = '_auto_key';

/** Everything a model knows about itself, computed once at definition. */
export class ModelMeta {
  /**
   * The fields: those declared, plus Popoto's hidden `_auto_key` AutoKeyField, last, when none
   * is a key field (Popoto adds it as a hidden field, which its field order puts after the others).
   */
  readonly fields: FieldMap;
  /** Fields in declaration order (`_auto_key` last). */
  readonly entries: readonly [string, AnyFieldSpec][];
  /** Every field name, in declaration order (the order records are read in). */
  readonly fieldNames: readonly string[];
  /** The type table entry of each field, in declaration order. */
  readonly definitions: readonly FieldTypeDefinition<unknown>[];
  /** Whether each field (in declaration order) may be null. */
  readonly nullable: readonly boolean[];
  /**
   * The fields that form the key, in key order: alphabetical by name, as Popoto joins
   * `sorted(key_field_names)`, whatever the declaration order.
   */
  readonly keyFields: readonly string[];
  /** The declaration of each key field, in key order. */
  readonly keySpecs: readonly AnyFieldSpec[];
  /** The type table entry of each key field, in key order. */
  readonly keyDefinitions: readonly FieldTypeDefinition<unknown>[];
  /** The set indexes (`$KeyF`, `$UniqueKeyF`), in key order. */
  readonly setIndexes: readonly FieldIndex[];
  /** The zset indexes (`$SortF`, `$SortedKeyF`), in declaration order. */
  readonly sortedIndexes: readonly FieldIndex[];
  /** The index of each indexed field, by name. */
  readonly indexByField: ReadonlyMap<string, FieldIndex>;
  /** The valued indexes named by values (partitions, relationships), in `sortedIndexes` order. */
  readonly namedIndexes: readonly FieldIndex[];
  /** The fields whose values name `namedIndexes`: a record's stored ones are read before it is moved or deleted. */
  readonly namingFields: readonly string[];
  /** The Relationship fields. */
  readonly relationshipFields: readonly string[];
  /** The model's own client (`defineModel`'s `redis` option when a client), else undefined. */
  readonly redis: RedisClient | undefined;
  /** The connection used without a client of its own: the one given, else the shared one. */
  readonly connection: RedisConnection;
  private readonly indexesByMode = new Map<boolean, RecordIndexes>();

  constructor(
    readonly name: string,
    declared: FieldMap,
    source: RedisSource | undefined,
  ) {
    this.redis = source instanceof RedisConnection ? undefined : (source as RedisClient | undefined);
    this.connection = source instanceof RedisConnection ? source : defaultConnection;
    if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new TypeError(`model name must be an identifier (it is the Redis key prefix), got ${describeValue(name)}`);
    }
    if (declared === null || typeof declared !== 'object') {
      throw new TypeError(`${name} fields must be an object of field declarations, got ${describeValue(declared)}`);
    }
    for (const [field, spec] of Object.entries(declared)) {
      if (RESERVED.has(field))
        throw new TypeError(`${name}.${field}: "${field}" is reserved for a method of the model`);
      if (spec === null || typeof spec !== 'object' || !('kind' in spec)) {
        throw new TypeError(
          `${name}.${field} must be declared with KeyField, UniqueKeyField, SortedKeyField, AutoKeyField, Field or ` +
            `SortedField, got ${describeValue(spec)}`,
        );
      }
    }
    this.fields = withHiddenAutoKey(name, declared);
    this.entries = Object.entries(this.fields);
    this.fieldNames = this.entries.map(([field]) => field);
    this.definitions = this.entries.map(([, spec]) => definitionOf(spec.type as FieldType));
    this.nullable = this.entries.map(([, spec]) => spec.nullable);
    const keyEntries = this.entries.filter(([, s]) => KEY_KINDS.has(s.kind)).sort(([a], [b]) => byCodePoint(a, b));
    this.keyFields = keyEntries.map(([f]) => f);
    this.keySpecs = keyEntries.map(([, spec]) => spec);
    this.keyDefinitions = this.keySpecs.map((spec) => definitionOf(spec.type as FieldType));
    const { setIndexes, sortedIndexes } = fieldIndexes(
      this.entries.map(([field, spec], i) => [field, spec, this.definitions[i]!] as const),
      this.keyFields,
    );
    this.setIndexes = setIndexes;
    this.sortedIndexes = sortedIndexes;
    this.indexByField = new Map([...setIndexes, ...sortedIndexes].map((index) => [index.field, index]));
    this.namedIndexes = sortedIndexes.filter((index) => index.named);
    this.relationshipFields = this.entries.filter(([, spec]) => spec.kind === 'relationship').map(([f]) => f);
    for (const [field, spec] of this.entries) {
      for (const by of spec.sortBy ?? []) checkPartitionField(name, field, by, this.fields[by]);
    }
    this.namingFields = [...new Set(this.namedIndexes.flatMap(({ field }) => this.fields[field]!.sortBy ?? [field]))];
  }

  /**
   * The names of a record's `namedIndexes` (escaped, in order), from its values: a partition's
   * is Python's `str()` of each `sortBy` value (`None` for null), escaped and joined by ':'; a
   * relationship's is the related record's key (`None` for none), as Popoto names them.
   * `values` hold a Relationship as its instance (to save) or its stored key (read back).
   */
  indexNames(values: Readonly<Record<string, unknown>>, client: RedisClient): string[] {
    return this.namedIndexes.map(({ field }) => {
      const spec = this.fields[field]!;
      if (spec.sortBy === undefined) return this.relatedKey(field, values[field], client) ?? NONE_KEY_PART;
      return spec.sortBy.map((by) => escapeKeyPart(this.partStr(by, values[by]))).join(':');
    });
  }

  /** Python's `str()` of a partition field's value, as Popoto names a partition (`None` for null). */
  partStr(field: string, value: unknown): string {
    return value === null || value === undefined
      ? NONE_KEY_PART
      : definitionOf(this.fields[field]!.type as FieldType).key!.str(value);
  }

  /**
   * The key of a Relationship's related record: of the instance given (as its model's key
   * layout for `client` builds it), or the stored key itself; undefined for none.
   */
  relatedKey(field: string, value: unknown, client: RedisClient): string | undefined {
    if (value === null || value === undefined) return undefined;
    if (typeof value === 'string') return value;
    const related = metaOf(value);
    return related.indexes(client).layout.instanceKey(related.keyParts(value as Record<string, unknown>));
  }

  /** The client to use: the model's own, or the shared connection (opened on first use). */
  client(): RedisClient | Promise<RedisClient> {
    return this.redis ?? this.connection.openRedis() ?? this.connection.useRedis();
  }

  /**
   * The key layout for the client at hand, for what cannot wait for a connection: the model's
   * own client, or the shared connection once open; else a RedisNotConnectedError saying so, naming `caller`.
   */
  layoutNow(caller: string): KeyLayout {
    const client = this.redis ?? this.connection.openRedis();
    if (client === undefined) {
      throw new RedisNotConnectedError(
        `${caller} needs the model's client at hand, to know its key layout (hash-tagged on a cluster): ` +
          "pass defineModel's redis option, or await connect() first",
      );
    }
    return this.indexes(client).layout;
  }

  /** Where the records and indexes are for a client: Popoto's layout on a single Redis, hash-tagged on a cluster. */
  indexes(client: RedisClient): RecordIndexes {
    const cluster = isCluster(client);
    let indexes = this.indexesByMode.get(cluster);
    if (indexes === undefined) this.indexesByMode.set(cluster, (indexes = new RecordIndexes(this, { cluster })));
    return indexes;
  }

  /**
   * Appends an instance's HSET arguments to `args`: every declared field, null ones as nil (or
   * as their type's null, a GeoField's `(None, None)`), a Relationship as its related key, as
   * Popoto writes them.
   */
  appendFields(values: Record<string, unknown>, args: unknown[], client: RedisClient): void {
    const { entries, definitions } = this;
    for (let i = 0; i < entries.length; i++) {
      const [field, spec] = entries[i]!;
      let value = values[field];
      if (spec.kind === 'relationship') value = this.relatedKey(field, value, client);
      try {
        args.push(
          field,
          value === null || value === undefined ? (definitions[i]!.encodeNull ?? NIL) : definitions[i]!.encode(value),
        );
      } catch (error) {
        // A nested value MessagePack cannot hold (a bigint beyond 64 bits, say).
        throw new ModelValidationError(this.name, field, value, `storable: ${messageOf(error)}`);
      }
    }
  }

  /**
   * Appends the values of an instance's valued indexes to `args`, in `sortedIndexes` order, as
   * the record script takes them: a score, `g<longitude> <latitude>` for a point, `s` for a
   * related record, '' for null (out of the index).
   */
  appendScores(values: Record<string, unknown>, args: unknown[]): void {
    for (const { field, definition, structure } of this.sortedIndexes) {
      const value = values[field];
      if (value === null || value === undefined) args.push('');
      else if (structure === 'zset') args.push(definition.index!.score(value));
      else if (structure === 'related') args.push('s');
      else {
        const { latitude, longitude } = value as { latitude: number; longitude: number };
        args.push(`g${longitude} ${latitude}`);
      }
    }
  }

  /**
   * The key parts of an instance whose values are valid (`save` checked them): Python's
   * `str()` of each key field value, `None` for null, in key order.
   */
  keyParts(values: Record<string, unknown>): string[] {
    return this.keyFields.map((field, i) => {
      const value = values[field];
      return value === null || value === undefined ? NONE_KEY_PART : this.keyDefinitions[i]!.key!.str(value);
    });
  }

  /**
   * The key field values of a record key's parts (unescaped, in key order), typed, or
   * undefined when a part is not one Popoto writes for its field (`abc` for an int field).
   */
  keyValuesOf(parts: readonly string[]): Record<string, unknown> | undefined {
    const values: Record<string, unknown> = {};
    for (let i = 0; i < this.keyFields.length; i++) {
      const part = parts[i]!;
      let value: unknown;
      if (part === NONE_KEY_PART && this.keySpecs[i]!.nullable) value = null;
      else value = part === '' ? undefined : parseKeyPart(this.keyDefinitions[i]!, part);
      if (value === undefined) return undefined;
      values[this.keyFields[i]!] = value;
    }
    return values;
  }

  /**
   * Sets `target`'s field properties from a stored record (decoded MessagePack values in
   * declaration order). A stored value that is not one of its field's type exactly (an int
   * beyond 2^53 in an 'int' field, say), or a null one (Python's `None`, or no value at all) in a
   * field not declared `null: true`, is a ModelValidationError naming the record's key: the
   * instance's TypeScript type would otherwise lie. (Popoto's own `KeyField()` is nullable.)
   */
  decodeInto(target: Record<string, unknown>, stored: readonly unknown[], key: string): void {
    const { entries, definitions, nullable } = this;
    let i = 0;
    try {
      for (; i < entries.length; i++) {
        const value = stored[i];
        const decoded = value === null || value === undefined ? null : definitions[i]!.decode(value);
        if (decoded !== null || nullable[i]) target[entries[i]![0]] = decoded;
        else throw new TypeError(NOT_NULL);
      }
    } catch (error) {
      throw this.undecodable(entries[i]![0], stored[i], error, key);
    }
  }

  /**
   * One field's value from its stored form, by the rules of `decodeInto` (projections read
   * single fields with it: one decoder for records and projections alike).
   */
  decodeField(field: string, stored: unknown, key: string): unknown {
    const i = this.fieldNames.indexOf(field);
    try {
      const decoded = stored === null || stored === undefined ? null : this.definitions[i]!.decode(stored);
      if (decoded === null && !this.nullable[i]) throw new TypeError(NOT_NULL);
      return decoded;
    } catch (error) {
      throw this.undecodable(field, stored, error, key);
    }
  }

  private undecodable(field: string, stored: unknown, error: unknown, key: string): ModelValidationError {
    const why = isDataFrame(stored)
      ? "a value popoto-ts reads: it holds a pandas DataFrame (Popoto's DataFrameField), which popoto-ts does not support"
      : messageOf(error);
    return new ModelValidationError(this.name, field, stored, `${why} (record ${key})`);
  }
}

/** Why a null value is refused in a field not declared nullable. */
const NOT_NULL = 'non-null (declare the field { null: true } to read records holding None)';

/** Whether a stored value is Popoto's DataFrameField wrapper (a pandas DataFrame as JSON). */
function isDataFrame(stored: unknown): boolean {
  return stored !== null && typeof stored === 'object' && (stored as Record<string, unknown>).__dataframe__ === true;
}

/**
 * Throws a TypeError unless `by`, a partition field of the SortedField `field`, is a field whose
 * values Popoto can name a partition with: Python's `str()` of them (a key-able type).
 */
function checkPartitionField(model: string, field: string, by: string, spec: AnyFieldSpec | undefined): void {
  if (spec === undefined || by === field) {
    throw new TypeError(`${model}.${field} sortBy names ${JSON.stringify(by)}, which is not another field of ${model}`);
  }
  if (definitionOf(spec.type as FieldType).key === undefined || spec.kind === 'relationship' || spec.kind === 'geo') {
    throw new TypeError(
      `${model}.${field} sortBy: ${model}.${by} is a ${spec.type} field; a partition is named by Python's str() of ` +
        'a string, int, bigint, float, boolean, date, datetime or decimal value',
    );
  }
}

/**
 * The declared fields, plus Popoto's hidden `_auto_key` AutoKeyField when none is a key field
 * (Popoto's `Model.__init__` adds `AutoKeyField()` under that name to such a model).
 */
function withHiddenAutoKey(name: string, declared: FieldMap): FieldMap {
  const specs = Object.values(declared);
  if (specs.some((spec) => KEY_KINDS.has(spec.kind))) return declared;
  if (Object.hasOwn(declared, HIDDEN_AUTO_KEY)) {
    throw new TypeError(
      `${name}.${HIDDEN_AUTO_KEY}: "${HIDDEN_AUTO_KEY}" is the name of the AutoKeyField Popoto adds to a model without key fields`,
    );
  }
  return { ...declared, [HIDDEN_AUTO_KEY]: AutoKeyField() };
}
