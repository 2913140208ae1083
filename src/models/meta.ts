import { isCluster, openRedis, useRedis, type RedisClient } from '../redis/connection.js';
import { describeValue, messageOf } from '../utils/errors.js';
import { ModelValidationError } from './errors.js';
import { definitionOf, type FieldType, type FieldTypeDefinition } from './field-types.js';
import type { AnyFieldSpec, FieldMap } from './fields.js';
import { RecordIndexes } from './indexes.js';
import type { KeyLayout } from './keys.js';
import { NIL } from './codec.js';

/** Names a field cannot have: the instance's methods, and the options of `query.filter`. */
const RESERVED = new Set(['save', 'delete', 'toJSON', 'constructor', '__proto__', 'prototype', 'limit', 'order_by']);

/** Orders strings by Unicode code point, as Python's `sorted()` orders field names. */
function byCodePoint(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** Everything a model knows about itself, computed once at definition. */
export class ModelMeta {
  /** Fields in declaration order. */
  readonly entries: readonly [string, AnyFieldSpec][];
  /** Every field name, in declaration order (the order records are read in). */
  readonly fieldNames: readonly string[];
  /** The type table entry of each field, in declaration order. */
  readonly definitions: readonly FieldTypeDefinition<unknown>[];
  /**
   * Key and auto-key fields in the order they form the key: alphabetical by name, as Popoto
   * joins `sorted(key_field_names)`, whatever the declaration order.
   */
  readonly keyFields: readonly string[];
  /** Positions in `keyFields` of the KeyFields that have an index set (`$KeyF`); AutoKeyFields have none, as in Popoto. */
  readonly indexedKeyPositions: readonly number[];
  /** The SortedFields, in declaration order. */
  readonly sortedFields: readonly string[];
  /** The type table entry of each sorted field, in `sortedFields` order. */
  readonly sortedDefinitions: readonly FieldTypeDefinition<unknown>[];
  private readonly indexesByMode = new Map<boolean, RecordIndexes>();

  constructor(
    readonly name: string,
    readonly fields: FieldMap,
    readonly redis: RedisClient | undefined,
  ) {
    if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new TypeError(`model name must be an identifier (it is the Redis key prefix), got ${describeValue(name)}`);
    }
    if (fields === null || typeof fields !== 'object') {
      throw new TypeError(`${name} fields must be an object of field declarations, got ${describeValue(fields)}`);
    }
    this.entries = Object.entries(fields);
    this.fieldNames = this.entries.map(([field]) => field);
    for (const [field, spec] of this.entries) {
      if (RESERVED.has(field))
        throw new TypeError(`${name}.${field}: "${field}" is reserved for a method of the model`);
      if (spec === null || typeof spec !== 'object' || !('kind' in spec)) {
        throw new TypeError(
          `${name}.${field} must be declared with KeyField, AutoKeyField, Field or SortedField, got ${describeValue(spec)}`,
        );
      }
    }
    this.definitions = this.entries.map(([, spec]) => definitionOf(spec.type as FieldType));
    const keyEntries = this.entries
      .filter(([, s]) => s.kind === 'key' || s.kind === 'autokey')
      .sort(([a], [b]) => byCodePoint(a, b));
    this.keyFields = keyEntries.map(([f]) => f);
    this.indexedKeyPositions = keyEntries.flatMap(([, spec], i) => (spec.kind === 'key' ? [i] : []));
    this.sortedFields = this.entries.filter(([, s]) => s.kind === 'sorted').map(([f]) => f);
    this.sortedDefinitions = this.sortedFields.map((field) => definitionOf(fields[field]!.type as FieldType));
    if (this.keyFields.length === 0) throw new TypeError(`${name} needs at least one KeyField or AutoKeyField`);
  }

  /** The client to use: the model's own, or the shared connection (opened on first use). */
  client(): RedisClient | Promise<RedisClient> {
    return this.redis ?? openRedis() ?? useRedis();
  }

  /**
   * The key layout for the client at hand, for what cannot wait for a connection: the model's
   * own client, or the shared connection once open; else an Error saying so, naming `caller`.
   */
  layoutNow(caller: string): KeyLayout {
    const client = this.redis ?? openRedis();
    if (client === undefined) {
      throw new Error(
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
    if (indexes === undefined) this.indexesByMode.set(cluster, (indexes = new RecordIndexes(this, cluster)));
    return indexes;
  }

  /** Appends an instance's HSET arguments to `args`: every declared field, null ones as nil, as Popoto writes them. */
  appendFields(values: Record<string, unknown>, args: unknown[]): void {
    const { entries, definitions } = this;
    for (let i = 0; i < entries.length; i++) {
      const field = entries[i]![0];
      const value = values[field];
      try {
        args.push(field, value === null || value === undefined ? NIL : definitions[i]!.encode(value));
      } catch (error) {
        // A nested value MessagePack cannot hold (a bigint beyond 64 bits, say).
        throw new ModelValidationError(this.name, field, value, `storable: ${messageOf(error)}`);
      }
    }
  }

  /** Appends the scores of an instance's sorted fields to `args`, in `sortedFields` order ('' for null: out of the index). */
  appendScores(values: Record<string, unknown>, args: unknown[]): void {
    const { sortedFields, sortedDefinitions } = this;
    for (let i = 0; i < sortedFields.length; i++) {
      const value = values[sortedFields[i]!];
      args.push(value === null || value === undefined ? '' : sortedDefinitions[i]!.index!.score(value));
    }
  }

  /**
   * Sets `target`'s field properties from a stored record (decoded MessagePack values in
   * declaration order). A stored value that is not one of its field's type exactly (an int
   * beyond 2^53 in an 'int' field, say) is a ModelValidationError naming the record's key.
   */
  decodeInto(target: Record<string, unknown>, stored: readonly unknown[], key: string): void {
    const { entries, definitions } = this;
    let i = 0;
    try {
      for (; i < entries.length; i++) {
        const value = stored[i];
        target[entries[i]![0]] = value === null || value === undefined ? null : definitions[i]!.decode(value);
      }
    } catch (error) {
      throw new ModelValidationError(this.name, entries[i]![0], stored[i], `${messageOf(error)} (record ${key})`);
    }
  }
}
