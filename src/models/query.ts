import type { RedisClient } from '../redis/connection.js';
import { describeValue } from '../utils/errors.js';
import { assertInteger } from '../utils/validate.js';
import type { FieldMap } from './fields.js';
import type { ModelMeta } from './meta.js';
import { ReadBatcher, readRecords, type StoredRecord } from './read-batcher.js';
import type { AllOptions, FieldName, FilterParams, KeyValues, Projection, UniqueKeyValues } from './types.js';
import { checkedKeyPart, checkedKeyParts, givenKeyParts, isCompleteKey } from './values.js';
import { metaOf } from './meta.js';
import { escapeKeyPart } from './keys.js';
import { loadRelated, type RelatedCache } from './relations.js';
import { MultipleRecordsError } from './errors.js';
import { NONE_KEY_PART, type RecordIndexes } from './indexes.js';
import {
  candidateKeys,
  checkedProjection,
  GEO_UNITS,
  geoParameterOf,
  tighter,
  unknownParameter,
  type GeoQuery,
  type KeyPartTest,
} from './filter-params.js';
import { eachKey, existingKeys, existingMembers, members, union } from './index-reads.js';
import { sortBy } from './order-by.js';
import { cleanStaleEntries } from './stale-entries.js';

const RANGES: readonly string[] = ['gt', 'gte', 'lt', 'lte'];
/** A projection's record that does not exist (its index entries are stale). */
const MISSING: unique symbol = Symbol('missing record');

interface Plan {
  /** Each condition's matching record keys; the result is their intersection (in the first one's order). */
  conditions: (() => Promise<string[]>)[];
  limit: number | undefined;
  orderBy: { field: string; descending: boolean } | undefined;
  /** The fields of a projection (`values`): plain objects of those fields instead of instances. */
  values: readonly string[] | undefined;
}

/** The options each read takes beside its conditions: anything else is a TypeError naming it. */
const OPTIONS_OF = {
  filter: ['limit', 'order_by', 'values'],
  all: ['limit', 'order_by', 'values'],
  keys: ['limit'],
  count: ['limit'],
  get: [],
} as const;

type QueryMethod = keyof typeof OPTIONS_OF;
const ALL_OPTIONS: readonly string[] = OPTIONS_OF.filter;

/**
 * A model's reads. Records whose hash has expired (TTL) are skipped, and their leftover index
 * entries are removed in the background: a tracked task (`drainBackgroundTasks()` waits for it,
 * a failure reaches `onBackgroundError`) that is never refused and takes no place in the
 * application's `maxPending` bound, so a read never fails for it, even with the queue full.
 */
export class Query<F extends FieldMap, I> {
  private readonly batchers = new WeakMap<RedisClient, ReadBatcher<I | null>>();
  /** `get`'s name in errors, built once: `get` is the hot path of reads. */
  private readonly getCaller: string;
  /** The UniqueKeyFields, which `get` finds a record by alone (most models have none: no check then). */
  private readonly uniqueFields: readonly string[];

  /**
   * Made by the model class (`Model.query`), not by hand: `meta` describes the model and
   * `hydrate` builds an instance from a stored record (decoded values in declaration order).
   * @internal
   */
  constructor(
    private readonly meta: ModelMeta,
    private readonly hydrate: (stored: readonly unknown[], key: string) => I,
  ) {
    this.getCaller = `${meta.name}.query.get`;
    this.uniqueFields = meta.keyFields.filter((field) => meta.fields[field]!.kind === 'uniquekey');
  }

  /**
   * The record with these key field values, or null. Calls made in the same tick (say, from
   * `runAllMultithreaded`) are sent together in one pipeline.
   *
   * A UniqueKeyField finds a record alone (or with some of the other key fields), through its
   * index, as Popoto's `get` does; when more than one record holds the value (Popoto does not
   * enforce uniqueness), it rejects with a `MultipleRecordsError` naming them.
   */
  get(keyValues: KeyValues<F> | UniqueKeyValues<F>): Promise<I | null> {
    // Not async: with a client at hand the read joins this tick's batch without an extra hop.
    const meta = this.meta;
    let parts: string[];
    try {
      if (this.isUniqueLookup(keyValues)) return this.getByUnique(keyValues);
      parts = givenKeyParts(meta, keyValues, this.getCaller);
    } catch (error) {
      return Promise.reject(error);
    }
    const read = (client: RedisClient): Promise<I | null> => {
      const key = meta.indexes(client).layout.instanceKey(parts);
      const record = this.batcherFor(client).read(key);
      return meta.relationshipFields.length === 0
        ? record
        : record.then(async (found) => (found === null ? null : (await this.withRelated(client, [found], [key]))[0]!));
    };
    const client = meta.client();
    return client instanceof Promise ? client.then(read) : read(client);
  }

  /** Many records by their key field values, in input order, null for those missing. */
  async getMany(keyValues: Iterable<KeyValues<F>>): Promise<(I | null)[]> {
    const meta = this.meta;
    if (keyValues === null || typeof (keyValues as Iterable<unknown>)?.[Symbol.iterator] !== 'function') {
      throw new TypeError(
        `${meta.name}.query.getMany needs an iterable of key values, got ${describeValue(keyValues)}`,
      );
    }
    const client = await meta.client();
    const { layout } = meta.indexes(client);
    const keys = [...keyValues].map((kv, i) =>
      layout.instanceKey(givenKeyParts(meta, kv, `${meta.name}.query.getMany[${i}]`)),
    );
    const built = await readRecords(client, keys, meta.fieldNames, {
      operation: `${meta.name}.query.getMany`,
      convert: (record, key) => this.build(record, key),
    });
    if (meta.relationshipFields.length > 0) {
      const found = built.flatMap((record, i) => (record === null ? [] : [i]));
      await this.withRelated(
        client,
        found.map((i) => built[i]!),
        found.map((i) => keys[i]!),
      );
    }
    return built;
  }

  /**
   * Records matching every condition: key fields by equality (`team: 'red'`), `__in` (any of
   * a list: `team__in: ['red', 'green']`), `__startswith`/`__endswith` (on the text of the key
   * part) and, when nullable, `__isnull`; sorted fields (SortedField, SortedKeyField) by
   * equality or range (`age__gte: 18`). `order_by` sorts by any field (`'-age'` descending;
   * nulls last); `limit` keeps the first n. Without `order_by`, a range on a sorted field
   * returns records in score order, and `__in` in the order of its values. All the index reads
   * of one filter are sent at once (an `__in` of 1,000 values is one pipelined round trip).
   */
  filter<const K extends FieldName<F>>(params: FilterParams<F> & { values: readonly K[] }): Promise<Projection<F, K>[]>;
  filter(params: FilterParams<F>): Promise<I[]>;
  filter(params: FilterParams<F>): Promise<unknown[]> {
    return this.read(params, 'filter');
  }

  /**
   * Every record of the model; `options` as `filter`'s: `order_by`, `limit`, and `values` (plain
   * objects of those fields). Any other option is a TypeError naming it.
   */
  all<const K extends FieldName<F>>(options: AllOptions<F> & { values: readonly K[] }): Promise<Projection<F, K>[]>;
  all(options?: AllOptions<F>): Promise<I[]>;
  all(options?: AllOptions<F>): Promise<unknown[]> {
    return this.read(options ?? {}, 'all');
  }

  private async read(params: object, method: QueryMethod): Promise<unknown[]> {
    const client = await this.meta.client();
    const plan = this.plan(params, client, `${this.meta.name}.query`, method);
    const keys = await this.matchingKeys(plan);
    const records: unknown[] =
      plan.values === undefined
        ? (await this.fetch(client, keys)).records
        : await this.project(client, keys, plan.values);
    const ordered = plan.orderBy === undefined ? records : sortBy(this.meta, records, plan.orderBy);
    return plan.limit === undefined ? ordered : ordered.slice(0, plan.limit);
  }

  /** How many records match (all of them without parameters). Expired records are not counted. */
  async count(params?: FilterParams<F>): Promise<number> {
    return (await this.matchingExisting(params, 'count')).length;
  }

  /** The Redis keys of the matching records that exist. */
  async keys(params?: FilterParams<F>): Promise<string[]> {
    return this.matchingExisting(params, 'keys');
  }

  /**
   * The records at `keys` (those that exist), built, into `cache` by key (null for none), with
   * their own relations loaded: how a Relationship of another model loads this one's records.
   * @internal
   */
  async readKeys(client: RedisClient, keys: readonly string[], cache: RelatedCache): Promise<void> {
    const stored = await readRecords(client, keys, this.meta.fieldNames, {
      operation: `${this.meta.name}.query (related records)`,
    });
    const built: I[] = [];
    const builtKeys: string[] = [];
    stored.forEach((record, i) => {
      const instance = this.build(record, keys[i]!);
      cache.set(keys[i]!, instance as object | null);
      if (instance !== null) {
        built.push(instance);
        builtKeys.push(keys[i]!);
      }
    });
    if (this.meta.relationshipFields.length > 0) await this.withRelated(client, built, builtKeys, cache);
  }

  /** `records` (read from `keys`) with their Relationship fields' related instances loaded (see `loadRelated`). */
  private async withRelated<R>(
    client: RedisClient,
    records: R[],
    keys: readonly string[],
    cache?: RelatedCache,
  ): Promise<R[]> {
    const objects = records as unknown as Record<string, unknown>[];
    await loadRelated(client, this.meta, objects, { keyOf: (_, i) => keys[i]!, cache });
    return records;
  }

  /**
   * A projection (`values`) of the records at `keys` that exist: key fields from the key, as
   * Popoto reads them, the others with one HMGET each (batched, with the key fields, which every
   * stored record has: a record whose other values are all null is still found), decoded by the
   * model's own decoder. Relationship fields hold their related instances.
   */
  private async project(client: RedisClient, keys: string[], values: readonly string[]): Promise<object[]> {
    const meta = this.meta;
    const { layout } = meta.indexes(client);
    const stored = values.filter((field) => !meta.keyFields.includes(field));
    // Each object is built from its record as the batch's reply is decoded (see readRecords).
    const projected = await readRecords(client, keys, [...stored, ...meta.keyFields], {
      operation: `${meta.name}.query`,
      convert: (record, key): Record<string, unknown> | typeof MISSING | undefined => {
        if (record === null) return MISSING;
        const parts = layout.keyParts(key, meta.keyFields.length);
        const keyValues = parts === undefined ? undefined : meta.keyValuesOf(parts);
        // A key this model's layout does not parse: not one of its records, skipped.
        if (keyValues === undefined) return undefined;
        const object: Record<string, unknown> = {};
        for (const field of values) {
          object[field] = meta.keyFields.includes(field)
            ? keyValues[field]
            : meta.decodeField(field, record[stored.indexOf(field)], key);
        }
        return object;
      },
    });
    const objects: Record<string, unknown>[] = [];
    const found: string[] = [];
    const missing: string[] = [];
    projected.forEach((object, r) => {
      if (object === MISSING) missing.push(keys[r]!);
      else if (object !== undefined) {
        objects.push(object);
        found.push(keys[r]!);
      }
    });
    cleanStaleEntries(client, this.meta, missing);
    if (values.some((field) => meta.relationshipFields.includes(field))) {
      await loadRelated(client, meta, objects, { keyOf: (_, i) => found[i]! });
    }
    return objects;
  }

  private async matchingExisting(params: FilterParams<F> | undefined, method: 'keys' | 'count'): Promise<string[]> {
    const client = await this.meta.client();
    const plan = this.plan(params ?? {}, client, `${this.meta.name}.query`, method);
    const keys = await this.matchingKeys(plan);
    const existing = await existingKeys(client, keys);
    cleanStaleEntries(
      client,
      this.meta,
      keys.filter((_, i) => !existing[i]),
    );
    const found = keys.filter((_, i) => existing[i]);
    return plan.limit === undefined ? found : found.slice(0, plan.limit);
  }

  /** Whether `get` was given a UniqueKeyField without every key field: a lookup through its index. */
  private isUniqueLookup(keyValues: unknown): boolean {
    if (this.uniqueFields.length === 0 || keyValues === null || typeof keyValues !== 'object') return false;
    const given = keyValues as Record<string, unknown>;
    return this.uniqueFields.some((field) => given[field] !== undefined) && !isCompleteKey(this.meta.keyFields, given);
  }

  private async getByUnique(given: Record<string, unknown>): Promise<I | null> {
    const meta = this.meta;
    for (const field of Object.keys(given)) {
      if (!meta.keyFields.includes(field)) {
        throw new TypeError(
          `${this.getCaller}: ${JSON.stringify(field)} is not a key field (key fields: ${meta.keyFields.join(', ')}); use filter for other fields`,
        );
      }
    }
    const client = await meta.client();
    const plan = this.plan(given as FilterParams<F>, client, this.getCaller, 'get');
    const { records, keys } = await this.fetch(client, await this.matchingKeys(plan));
    if (records.length > 1) throw new MultipleRecordsError(this.getCaller, given, keys);
    return records[0] ?? null;
  }

  private batcherFor(client: RedisClient): ReadBatcher<I | null> {
    let batcher = this.batchers.get(client);
    if (batcher === undefined) {
      batcher = new ReadBatcher(client, this.meta.fieldNames, (record, key) => this.build(record, key));
      this.batchers.set(client, batcher);
    }
    return batcher;
  }

  private build(record: StoredRecord, key: string): I | null {
    return record === null ? null : this.hydrate(record, key);
  }

  /** The records at `keys` that exist, and their keys. */
  private async fetch(client: RedisClient, keys: string[]): Promise<{ records: I[]; keys: string[] }> {
    const built = await readRecords(client, keys, this.meta.fieldNames, {
      operation: `${this.meta.name}.query`,
      convert: (record, key) => this.build(record, key),
    });
    const records: I[] = [];
    const found: string[] = [];
    const stale: string[] = [];
    built.forEach((record, i) => {
      if (record === null) stale.push(keys[i]!);
      else {
        records.push(record);
        found.push(keys[i]!);
      }
    });
    cleanStaleEntries(client, this.meta, stale);
    if (this.meta.relationshipFields.length > 0) await this.withRelated(client, records, found);
    return { records, keys: found };
  }

  private async matchingKeys(plan: Plan): Promise<string[]> {
    const [first, ...rest] = await Promise.all(plan.conditions.map((condition) => condition()));
    if (first === undefined) return [];
    const others = rest.map((keys) => new Set(keys));
    return [...new Set(first)].filter((key) => others.every((set) => set.has(key)));
  }

  /**
   * Validates the parameters (a TypeError or ModelValidationError naming the model, the
   * parameter and the value) and turns them into Redis reads: one per index consulted, all
   * sent together, and at most one read of the model's key set for the lookups no index serves.
   */
  private plan(params: FilterParams<F>, client: RedisClient, caller: string, method: QueryMethod): Plan {
    const meta = this.meta;
    if (params === null || typeof params !== 'object' || Array.isArray(params)) {
      throw new TypeError(`${caller}.${method} needs an object of conditions, got ${describeValue(params)}`);
    }
    const options: readonly string[] = OPTIONS_OF[method];
    const indexes = meta.indexes(client);
    const { layout } = indexes;
    /**
     * Index reads and tests for key fields matched by equality or `__in`: replaced by one check
     * of the candidate record keys when every key field is so matched (the keys are then known).
     */
    const keyConditions: Plan['conditions'] = [];
    const keyTests: KeyPartTest[] = [];
    /** The key parts each such key field may have, by key position. */
    const allowed = new Map<number, string[]>();
    const pin = (position: number, parts: string[]): void => {
      const before = allowed.get(position);
      allowed.set(position, before === undefined ? parts : before.filter((part) => parts.includes(part)));
    };
    /** The other index reads, and the tests of key parts no index serves (`__startswith`, `__endswith`). */
    const conditions: Plan['conditions'] = [];
    const partTests: KeyPartTest[] = [];
    const ranges = new Map<string, { min: string; max: string }>();
    let limit: number | undefined;
    let orderBy: Plan['orderBy'];
    let values: Plan['values'];
    /** Values given by equality, by field: a partitioned range takes its partition from them. */
    const equal = new Map<string, unknown>();
    /** Plain fields given by equality: each must name a partition of a range in this filter. */
    const plainEqual: string[] = [];
    const geo = new Map<string, GeoQuery>();
    for (const [name, value] of Object.entries(params as Record<string, unknown>)) {
      if (value === undefined) continue;
      if (ALL_OPTIONS.includes(name) && !options.includes(name)) {
        throw new TypeError(
          `${caller}.${method} takes no ${JSON.stringify(name)} option` +
            (options.length > 0 ? ` (its options: ${options.join(', ')})` : ''),
        );
      }
      if (method === 'all' && !options.includes(name)) {
        throw new TypeError(
          `${caller}.all has no option ${JSON.stringify(name)} (its options: ${options.join(', ')}); use filter for conditions`,
        );
      }
      if (name === 'values') {
        values = checkedProjection(meta, value, caller);
        continue;
      }
      const geoParameter = geoParameterOf(meta, name);
      if (geoParameter !== undefined) {
        const [field, part] = geoParameter;
        const query = geo.get(field) ?? {};
        geo.set(field, query);
        query[part] = value;
        continue;
      }
      if (name === 'limit') {
        assertInteger(value, `${caller} limit`, 0);
        limit = value;
        continue;
      }
      if (name === 'order_by') {
        const field = typeof value === 'string' ? value.replace(/^-/, '') : undefined;
        if (field === undefined || !Object.hasOwn(meta.fields, field)) {
          throw new TypeError(
            `${caller} order_by must name a field (prefix '-' for descending), got ${describeValue(value)}`,
          );
        }
        orderBy = { field, descending: (value as string).startsWith('-') };
        continue;
      }
      const split = name.lastIndexOf('__');
      const [field, op] = split === -1 ? [name, 'eq'] : [name.slice(0, split), name.slice(split + 2)];
      const spec = Object.hasOwn(meta.fields, field) ? meta.fields[field] : undefined;
      if (spec === undefined) throw unknownParameter(meta, name);
      const position = meta.keyFields.indexOf(field);
      const index = meta.indexByField.get(field);
      const keyPart = (given: unknown): string => checkedKeyPart(meta, position, given, `${caller} ${name}:`);
      if (op === 'eq') equal.set(field, value);
      if (op === 'eq' && index === undefined && position === -1) {
        if (!meta.sortedIndexes.some((sorted) => meta.fields[sorted.field]!.sortBy?.includes(field))) {
          throw unknownParameter(meta, name);
        }
        plainEqual.push(field);
      } else if (op === 'eq' && index?.structure === 'related') {
        const related = spec.model as abstract new (...args: never) => unknown;
        if (!(value instanceof related)) {
          throw new TypeError(
            `${caller} ${name} must be an instance of ${metaOf(related).name} (Popoto's Relationship filter), got ${describeValue(value)}`,
          );
        }
        checkedKeyParts(metaOf(related), value as Record<string, unknown>, `${caller} ${name}:`);
        const set = indexes.zset(index, meta.relatedKey(field, value, client));
        conditions.push(() => members(client, set));
      } else if (position !== -1 && (op === 'eq' || op === 'in')) {
        if (op === 'in' && !Array.isArray(value)) {
          throw new TypeError(`${caller} ${name} must be an array of values, got ${describeValue(value)}`);
        }
        // The values by their key parts (Python's str() of each), each once, in the order given.
        const byPart = new Map<string, unknown>();
        for (const item of op === 'eq' ? [value] : (value as unknown[])) byPart.set(keyPart(item), item);
        const parts = [...byPart.keys()];
        pin(position, parts);
        if (index === undefined) {
          const wanted = new Set(parts);
          keyTests.push({ position, test: (part) => wanted.has(part) });
        } else if (index.structure === 'set') {
          const sets = parts.map((part) => indexes.set(index, part));
          keyConditions.push(async () =>
            union(await eachKey<string[]>(client, sets, (target, set) => target.smembers(set))),
          );
        } else {
          keyConditions.push(() => this.scoredKeys(client, indexes, position, [...byPart]));
        }
      } else if (position !== -1 && (op === 'startswith' || op === 'endswith')) {
        if (typeof value !== 'string') {
          throw new TypeError(`${caller} ${name} must be a string, got ${describeValue(value)}`);
        }
        partTests.push({
          position,
          test: op === 'startswith' ? (p) => p.startsWith(value) : (p) => p.endsWith(value),
        });
      } else if (position !== -1 && op === 'isnull') {
        if (!spec.nullable) {
          throw new TypeError(
            `${caller} ${name} (got ${describeValue(value)}): ${meta.name}.${field} is not nullable, so no record ` +
              'has it null; declare it { null: true } to read records that hold None',
          );
        }
        if (typeof value !== 'boolean') {
          throw new TypeError(`${caller} ${name} must be true or false, got ${describeValue(value)}`);
        }
        const nulls = indexes.set(index!, NONE_KEY_PART);
        // Popoto 0.8.3 answers __isnull=False with a KEYS glob that matches one-character values
        // only (`[^None]`); the records whose key part is not None are what it means.
        conditions.push(value ? () => members(client, nulls) : () => client.sdiff(layout.classSet, nulls));
      } else if (index?.structure === 'zset' && (op === 'eq' || RANGES.includes(op))) {
        const sorted = index.definition.index!;
        const bound = sorted.boundScore(value);
        if (bound === undefined) {
          throw new TypeError(`${caller} ${name} must be ${sorted.boundExpected}, got ${describeValue(value)}`);
        }
        const range = ranges.get(field) ?? { min: '-inf', max: '+inf' };
        const score = String(bound);
        if (op === 'eq' || op === 'gte') range.min = tighter(range.min, score, 'min');
        if (op === 'eq' || op === 'lte') range.max = tighter(range.max, score, 'max');
        if (op === 'gt') range.min = tighter(range.min, `(${score}`, 'min');
        if (op === 'lt') range.max = tighter(range.max, `(${score}`, 'max');
        ranges.set(field, range);
      } else {
        throw unknownParameter(meta, name);
      }
    }
    for (const field of plainEqual) {
      if (![...ranges.keys()].some((ranged) => meta.fields[ranged]!.sortBy?.includes(field))) {
        throw new TypeError(
          `${caller} ${field}: ${meta.name}.${field} is not indexed; it can be given only as the partition ` +
            `(sortBy) of a SortedField range in the same filter`,
        );
      }
    }
    for (const [field, query] of geo) conditions.push(this.geoCondition({ client, indexes }, field, query, caller));
    const candidates = candidateKeys(meta.keyFields.length, allowed, partTests);
    if (candidates !== undefined) {
      // Every key field given by equality or __in: the record keys are known; one check of them
      // against the key set (SMISMEMBER, 1,000 a command) replaces every index read.
      const keys = candidates.map((parts) => layout.instanceKey(parts));
      conditions.push(() => existingMembers(client, layout.classSet, keys));
    } else {
      conditions.push(...keyConditions);
      const tests = [...keyTests, ...partTests];
      if (tests.length > 0) conditions.push(() => this.keysWhere(client, indexes, tests));
    }
    // Sorted ranges first, so that their score order is the order of the result.
    const rangeConditions = [...ranges].map(([field, { min, max }]) => {
      const zset = indexes.zset(meta.indexByField.get(field)!, this.partitionName(field, equal, caller));
      return () => client.zrangebyscore(zset, min, max);
    });
    const all = [...rangeConditions, ...conditions];
    if (all.length === 0) all.push(() => members(client, layout.classSet));
    if (values !== undefined && orderBy !== undefined && !values.includes(orderBy.field)) {
      throw new TypeError(
        `${caller} order_by ${JSON.stringify(orderBy.field)} must be one of the values (as in Popoto), got values ${describeValue(values)}`,
      );
    }
    return { conditions: all, limit, orderBy, values };
  }

  /**
   * The name of a SortedField's partition (`sortBy`) from the values the filter gives its
   * partition fields by equality (undefined when it has none); a TypeError naming the partition
   * field left out, never a read of the wrong (or no) sorted set.
   */
  private partitionName(field: string, equal: ReadonlyMap<string, unknown>, caller: string): string | undefined {
    const meta = this.meta;
    const sortBy = meta.fields[field]!.sortBy;
    if (sortBy === undefined) return undefined;
    return sortBy
      .map((by) => {
        if (!equal.has(by)) {
          throw new TypeError(
            `${caller}: ${meta.name}.${field} is partitioned by ${sortBy.join(', ')} (sortBy): a filter on it must ` +
              `give ${by} by equality too, say { ${by}: <value>, ${field}__gte: <bound> }`,
          );
        }
        const value = equal.get(by);
        const spec = meta.fields[by]!;
        const definition = meta.definitions[meta.fieldNames.indexOf(by)]!;
        if (!(value === null ? spec.nullable : definition.fits(value))) {
          throw new TypeError(
            `${caller} ${by} must be ${definition.expected}${spec.nullable ? ' or null' : ''}, got ${describeValue(value)}`,
          );
        }
        return escapeKeyPart(meta.partStr(by, value));
      })
      .join(':');
  }

  /**
   * The records within a radius of a point of a GeoField (GEOSEARCH BYRADIUS, the query of
   * Popoto's GEORADIUS): Popoto's parameters, the point as `<field>` or as `<field>_latitude`
   * and `<field>_longitude`, `<field>_radius` (default 1) and `<field>_radius_unit` (default 'm').
   */
  private geoCondition(
    { client, indexes }: { client: RedisClient; indexes: RecordIndexes },
    field: string,
    query: GeoQuery,
    caller: string,
  ): () => Promise<string[]> {
    const definition = this.meta.definitions[this.meta.fieldNames.indexOf(field)]!;
    const point = query.center ?? { latitude: query.latitude, longitude: query.longitude };
    if (!definition.fits(point)) {
      throw new TypeError(
        `${caller} ${field} must be ${definition.expected} (the center of a radius search), got ${describeValue(query.center ?? point)}`,
      );
    }
    const { latitude, longitude } = point as { latitude: number; longitude: number };
    const radius = query.radius ?? 1;
    if (typeof radius !== 'number' || !(radius >= 0) || !Number.isFinite(radius)) {
      throw new TypeError(`${caller} ${field}_radius must be a finite number >= 0, got ${describeValue(radius)}`);
    }
    const unit = query.unit ?? 'm';
    if (typeof unit !== 'string' || !GEO_UNITS.includes(unit)) {
      throw new TypeError(
        `${caller} ${field}_radius_unit must be one of ${GEO_UNITS.join(', ')}, got ${describeValue(unit)}`,
      );
    }
    const key = indexes.zset(this.meta.indexByField.get(field)!);
    return () =>
      client.geosearch(key, 'FROMLONLAT', longitude, latitude, 'BYRADIUS', radius, unit) as Promise<string[]>;
  }

  /**
   * Keys of the records whose key part at `position` is one of `wanted` ([part, value] pairs),
   * from the field's sorted index: each value's score, then its exact key part (two values may
   * share a score: datetimes a microsecond apart, say). One pipelined round trip.
   */
  private async scoredKeys(
    client: RedisClient,
    indexes: RecordIndexes,
    position: number,
    wanted: [string, unknown][],
  ): Promise<string[]> {
    const meta = this.meta;
    const index = meta.indexByField.get(meta.keyFields[position]!)!;
    const zset = indexes.zset(index);
    const scores = wanted.map(([, value]) => String(index.definition.index!.score(value)));
    const replies = await eachKey<string[]>(
      client,
      wanted.map(() => zset),
      (target, key, i) => target.zrangebyscore(key, scores[i]!, scores[i]!),
    );
    const count = meta.keyFields.length;
    return union(
      replies.map((keys, i) => keys.filter((key) => indexes.layout.keyParts(key, count)?.[position] === wanted[i]![0])),
    );
  }

  /**
   * Keys of the records whose key parts pass every test: parsed from the model's key set (no
   * keyspace SCAN). Serves `__startswith`, `__endswith` and AutoKeyField lookups, which no index serves.
   */
  private async keysWhere(client: RedisClient, indexes: RecordIndexes, tests: KeyPartTest[]): Promise<string[]> {
    const count = this.meta.keyFields.length;
    const keys = await members(client, indexes.layout.classSet);
    return keys.filter((key) => {
      const parts = indexes.layout.keyParts(key, count);
      return parts !== undefined && tests.every(({ position, test }) => test(parts[position]!));
    });
  }
}
