import { isCluster, openRedis, useRedis, type RedisClient } from '../redis/connection.js';
import { describeValue } from '../utils/errors.js';
import { encodeField, fromStored, type FieldType } from './codec.js';
import { unixSeconds } from './datetime.js';
import type { AnyFieldSpec, FieldMap } from './fields.js';
import { KeyLayout } from './keys.js';

/** Names a field cannot have: the instance's methods, and the options of `query.filter`. */
const RESERVED = new Set(['save', 'delete', 'toJSON', 'constructor', '__proto__', 'prototype', 'limit', 'order_by']);

/** Everything a model knows about itself, computed once at definition. */
export class ModelMeta {
  /** Fields in declaration order. */
  readonly entries: readonly [string, AnyFieldSpec][];
  /** Every field name, in declaration order (the order records are read in). */
  readonly fieldNames: readonly string[];
  /** Key and auto-key fields, in the order they form the key. */
  readonly keyFields: readonly string[];
  readonly sortedFields: readonly string[];
  private readonly layouts = new Map<boolean, KeyLayout>();

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
    this.keyFields = this.entries.filter(([, s]) => s.kind === 'key' || s.kind === 'autokey').map(([f]) => f);
    this.sortedFields = this.entries.filter(([, s]) => s.kind === 'sorted').map(([f]) => f);
    if (this.keyFields.length === 0) throw new TypeError(`${name} needs at least one KeyField or AutoKeyField`);
  }

  /** The client to use: the model's own, or the shared connection (opened on first use). */
  client(): RedisClient | Promise<RedisClient> {
    return this.redis ?? openRedis() ?? useRedis();
  }

  /** The key layout for a client: Popoto's on a single Redis, hash-tagged on a cluster. */
  layout(client: RedisClient): KeyLayout {
    const cluster = isCluster(client);
    let layout = this.layouts.get(cluster);
    if (layout === undefined) this.layouts.set(cluster, (layout = new KeyLayout(this.name, cluster)));
    return layout;
  }

  /** HSET arguments for an instance: every declared field, null ones as nil, as Popoto writes them. */
  encode(values: Record<string, unknown>): (string | Buffer)[] {
    const args: (string | Buffer)[] = [];
    for (const [field, spec] of this.entries) args.push(field, encodeField(spec.type as FieldType, values[field]));
    return args;
  }

  /** Sets `target`'s field properties from a stored record (decoded values in declaration order). */
  decodeInto(target: Record<string, unknown>, stored: readonly unknown[]): void {
    const { entries } = this;
    for (let i = 0; i < entries.length; i++) {
      const [field, spec] = entries[i]!;
      target[field] = fromStored(spec.type as FieldType, stored[i]);
    }
  }

  /** The score of a sorted field's value: the number itself, or a datetime's Unix timestamp. */
  score(value: unknown): number {
    return value instanceof Date ? unixSeconds(value) : (value as number);
  }
}
