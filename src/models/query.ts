import { planBatches, sendBatches } from '../redis/batches.js';
import type { RedisClient } from '../redis/connection.js';
import { describeValue } from '../utils/errors.js';
import { assertInteger } from '../utils/validate.js';
import { scheduleHousekeeping } from '../concurrency/background.js';
import type { FieldMap } from './fields.js';
import type { RecordIndexes } from './indexes.js';
import type { ModelMeta } from './meta.js';
import { ReadBatcher, readRecords, type StoredRecord } from './read-batcher.js';
import { RECORD_SCRIPT } from './record-script.js';
import type { FilterParams, KeyValues } from './types.js';
import { checkKeyValue, givenKeyValues } from './values.js';

const RANGES: readonly string[] = ['gt', 'gte', 'lt', 'lte'];

interface Plan {
  /** Each condition's matching record keys; the result is their intersection (in the first one's order). */
  conditions: (() => Promise<string[]>)[];
  limit: number | undefined;
  orderBy: { field: string; descending: boolean } | undefined;
}

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
  }

  /**
   * The record with these key field values, or null. Calls made in the same tick (say, from
   * `runAllMultithreaded`) are sent together in one pipeline.
   */
  get(keyValues: KeyValues<F>): Promise<I | null> {
    // Not async: with a client at hand the read joins this tick's batch without an extra hop.
    const meta = this.meta;
    let values: string[];
    try {
      values = givenKeyValues(meta, keyValues, this.getCaller);
    } catch (error) {
      return Promise.reject(error);
    }
    const read = (client: RedisClient): Promise<I | null> =>
      this.batcherFor(client).read(meta.indexes(client).layout.instanceKey(values));
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
      layout.instanceKey(givenKeyValues(meta, kv, `${meta.name}.query.getMany[${i}]`)),
    );
    const records = await readRecords(client, keys, meta.fieldNames, `${meta.name}.query.getMany`);
    return records.map((record, i) => this.build(record, keys[i]!));
  }

  /**
   * Records matching every condition: key fields by equality (`team: 'red'`) or prefix
   * (`name__startswith: 'A'`), sorted fields by equality or range (`age__gte: 18`). `order_by`
   * sorts by any field (`'-age'` descending; nulls last); `limit` keeps the first n. Without
   * `order_by`, a range on a sorted field returns records in score order.
   */
  async filter(params: FilterParams<F>): Promise<I[]> {
    const client = await this.meta.client();
    const plan = this.plan(params, client);
    const keys = await this.matchingKeys(plan);
    const records = await this.fetch(client, keys);
    const ordered =
      plan.orderBy === undefined ? records : sortBy(this.meta, records, plan.orderBy.field, plan.orderBy.descending);
    return plan.limit === undefined ? ordered : ordered.slice(0, plan.limit);
  }

  /** Every record of the model. */
  all(): Promise<I[]> {
    return this.filter({});
  }

  /** How many records match (all of them without parameters). Expired records are not counted. */
  async count(params?: FilterParams<F>): Promise<number> {
    return (await this.keys(params)).length;
  }

  /** The Redis keys of the matching records that exist. */
  async keys(params?: FilterParams<F>): Promise<string[]> {
    const client = await this.meta.client();
    const plan = this.plan(params ?? {}, client);
    if (plan.orderBy !== undefined) throw new TypeError(`${this.meta.name}.query.keys/count take no order_by`);
    const keys = await this.matchingKeys(plan);
    const existing = await existingKeys(client, keys);
    this.cleanStale(
      client,
      keys.filter((_, i) => !existing[i]),
    );
    const found = keys.filter((_, i) => existing[i]);
    return plan.limit === undefined ? found : found.slice(0, plan.limit);
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

  private async fetch(client: RedisClient, keys: string[]): Promise<I[]> {
    const stored = await readRecords(client, keys, this.meta.fieldNames, `${this.meta.name}.query`);
    const records: I[] = [];
    const stale: string[] = [];
    stored.forEach((values, i) => {
      const record = this.build(values, keys[i]!);
      if (record === null) stale.push(keys[i]!);
      else records.push(record);
    });
    this.cleanStale(client, stale);
    return records;
  }

  private async matchingKeys(plan: Plan): Promise<string[]> {
    const [first, ...rest] = await Promise.all(plan.conditions.map((condition) => condition()));
    if (first === undefined) return [];
    const others = rest.map((keys) => new Set(keys));
    return [...new Set(first)].filter((key) => others.every((set) => set.has(key)));
  }

  /** Validates the parameters (TypeError naming the model and parameter) and turns them into Redis reads. */
  private plan(params: FilterParams<F>, client: RedisClient): Plan {
    const meta = this.meta;
    if (params === null || typeof params !== 'object' || Array.isArray(params)) {
      throw new TypeError(`${meta.name}.query.filter needs an object of conditions, got ${describeValue(params)}`);
    }
    const indexes = meta.indexes(client);
    const { layout } = indexes;
    const conditions: Plan['conditions'] = [];
    /** The conditions of key fields matched by equality (replaced by one when all key fields are). */
    const equalities: Plan['conditions'] = [];
    const ranges = new Map<string, { min: string; max: string }>();
    /** Key fields matched by equality: with all of them the record key is known. */
    const equal = new Map<string, string>();
    let limit: number | undefined;
    let orderBy: Plan['orderBy'];
    for (const [name, value] of Object.entries(params as Record<string, unknown>)) {
      if (value === undefined) continue;
      if (name === 'limit') {
        assertInteger(value, `${meta.name}.query limit`, 0);
        limit = value;
        continue;
      }
      if (name === 'order_by') {
        const field = typeof value === 'string' ? value.replace(/^-/, '') : undefined;
        if (field === undefined || !Object.hasOwn(meta.fields, field)) {
          throw new TypeError(
            `${meta.name}.query order_by must name a field (prefix '-' for descending), got ${describeValue(value)}`,
          );
        }
        orderBy = { field, descending: (value as string).startsWith('-') };
        continue;
      }
      const split = name.lastIndexOf('__');
      const [field, op] = split === -1 ? [name, 'eq'] : [name.slice(0, split), name.slice(split + 2)];
      const spec = Object.hasOwn(meta.fields, field) ? meta.fields[field] : undefined;
      const kind = spec?.kind;
      if (kind === 'key' || kind === 'autokey') {
        if (typeof value !== 'string') {
          throw new TypeError(`${meta.name}.query ${name} must be a string, got ${describeValue(value)}`);
        }
        if (op === 'eq') {
          checkKeyValue(meta.name, field, value);
          equal.set(field, value);
          // An AutoKeyField has no index set (Popoto writes none): its value is read from the record keys.
          equalities.push(
            kind === 'key'
              ? () => members(client, layout.keyFieldSet(field, value))
              : () => this.keysWhere(client, indexes, field, (part) => part === value),
          );
        } else if (op === 'startswith') {
          conditions.push(() => this.keysWhere(client, indexes, field, (part) => part.startsWith(value)));
        } else {
          throw unknownParameter(meta, name);
        }
      } else if (kind === 'sorted') {
        if (op !== 'eq' && !RANGES.includes(op)) throw unknownParameter(meta, name);
        const index = this.meta.sortedDefinitions[meta.sortedFields.indexOf(field)]!.index!;
        const bound = index.boundScore(value);
        if (bound === undefined) {
          throw new TypeError(`${meta.name}.query ${name} must be ${index.boundExpected}, got ${describeValue(value)}`);
        }
        const range = ranges.get(field) ?? { min: '-inf', max: '+inf' };
        const score = String(bound);
        if (op === 'eq' || op === 'gte') range.min = tighter(range.min, score, 'min', false);
        if (op === 'eq' || op === 'lte') range.max = tighter(range.max, score, 'max', false);
        if (op === 'gt') range.min = tighter(range.min, score, 'min', true);
        if (op === 'lt') range.max = tighter(range.max, score, 'max', true);
        ranges.set(field, range);
      } else {
        throw unknownParameter(meta, name);
      }
    }
    if (equal.size === meta.keyFields.length) {
      // Every key field given: the record key itself, if the model has it; no set is read whole.
      const key = layout.instanceKey(meta.keyFields.map((field) => equal.get(field)!));
      equalities.length = 0;
      equalities.push(async () => ((await client.sismember(layout.classSet, key)) === 1 ? [key] : []));
    }
    // Sorted ranges first, so that their score order is the order of the result.
    const rangeConditions = [...ranges].map(
      ([field, { min, max }]) =>
        () =>
          client.zrangebyscore(layout.sortedSet(field), min, max),
    );
    const all = [...rangeConditions, ...equalities, ...conditions];
    if (all.length === 0) all.push(() => members(client, layout.classSet));
    return { conditions: all, limit, orderBy };
  }

  /**
   * Keys of the records whose key field `field` matches: parsed from the model's key set (no
   * keyspace SCAN). Serves `__startswith` and AutoKeyField equality, which have no index set.
   */
  private async keysWhere(
    client: RedisClient,
    indexes: RecordIndexes,
    field: string,
    matches: (part: string) => boolean,
  ): Promise<string[]> {
    const { keyFields } = this.meta;
    const position = keyFields.indexOf(field);
    const keys = await members(client, indexes.layout.classSet);
    return keys.filter((key) => {
      const part = indexes.layout.keyValues(key, keyFields.length)?.[position];
      return part !== undefined && matches(part);
    });
  }

  /**
   * Drops the index entries of records found missing, in a tracked background task (library
   * housekeeping, outside the application's queue bound). A key already being cleaned is not
   * scheduled again, which bounds that work by the number of expired records.
   */
  private cleanStale(client: RedisClient, keys: string[]): void {
    if (keys.length === 0) return;
    let inFlight = cleaning.get(client);
    if (inFlight === undefined) cleaning.set(client, (inFlight = new Set()));
    const fresh = keys.filter((key) => !inFlight.has(key));
    if (fresh.length === 0) return;
    for (const key of fresh) inFlight.add(key);
    const clean = (target: RedisClient, meta: ModelMeta, stale: string[]): Promise<void> =>
      removeEntriesOfMissingRecords(target, meta, stale).finally(() => {
        for (const key of stale) inFlight.delete(key);
      });
    scheduleHousekeeping(clean, undefined, [client, this.meta, fresh], CLEAN_TASK_NAME);
  }
}

/**
 * Removes the index entries of the records at `keys` that do not exist (checked in Redis, in
 * the same script call that removes them). Exported for tests; queries run it as a background task.
 */
export async function removeEntriesOfMissingRecords(
  client: RedisClient,
  meta: ModelMeta,
  keys: readonly string[],
): Promise<void> {
  const indexes = meta.indexes(client);
  await Promise.all(
    keys.flatMap((key) => {
      const record = indexes.ofKey(key);
      if (record === undefined) return [];
      return [RECORD_SCRIPT.run(client, record.keys, ['clean', indexes.keyFieldSetCount, indexes.sortedSetCount, key])];
    }),
  );
}

/** The name background-error handlers see for a failed index cleanup. */
const CLEAN_TASK_NAME = 'popoto-ts: clean index entries of expired records';

/** Per client, the record keys whose index cleanup is scheduled or running. */
const cleaning = new WeakMap<RedisClient, Set<string>>();

function unknownParameter(meta: ModelMeta, name: string): TypeError {
  return new TypeError(
    `${meta.name}.query has no filter ${JSON.stringify(name)}: key fields take <field> and <field>__startswith, ` +
      `sorted fields <field> and <field>__gt/__gte/__lt/__lte (key fields: ${meta.keyFields.join(', ') || 'none'}; ` +
      `sorted fields: ${meta.sortedFields.join(', ') || 'none'})`,
  );
}

/** Narrows a ZRANGEBYSCORE bound; '(' marks an exclusive bound. */
function tighter(current: string, score: string, side: 'min' | 'max', exclusive: boolean): string {
  const candidate = exclusive ? `(${score}` : score;
  if (current === '-inf' || current === '+inf') return candidate;
  const value = (bound: string): number => Number(bound.replace('(', ''));
  const a = value(current);
  const b = Number(score);
  if (a === b) return current.startsWith('(') || exclusive ? `(${score}` : score;
  return (side === 'min' ? b > a : b < a) ? candidate : current;
}

async function members(client: RedisClient, set: string): Promise<string[]> {
  return client.smembers(set);
}

/** EXISTS of many keys in slot-aware pipelines. */
async function existingKeys(client: RedisClient, keys: string[]): Promise<boolean[]> {
  const exists = new Array<boolean>(keys.length).fill(false);
  let failure: unknown;
  await sendBatches(
    client,
    planBatches(client, keys, keys.length, 1000, 'per-item'),
    undefined,
    (target, { indexes: [i] }) => target.exists(keys[i!]!),
    ({ indexes: [i] }, outcome) => {
      if (outcome.ok) exists[i!] = outcome.value === 1;
      else failure ??= outcome.error;
    },
  );
  if (failure !== undefined) throw failure as Error;
  return exists;
}

function sortBy<I>(meta: ModelMeta, records: I[], field: string, descending: boolean): I[] {
  const sortKey = meta.definitions[meta.fieldNames.indexOf(field)]!.sortKey;
  const keyOf = (record: I): unknown => {
    const value = (record as Record<string, unknown>)[field];
    return value === null || value === undefined || sortKey === undefined ? value : sortKey(value);
  };
  return records
    .map((record) => ({ record, key: keyOf(record) as number | string | bigint | null | undefined }))
    .sort((a, b) => {
      const x = a.key;
      const y = b.key;
      if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1;
      if (y === null || y === undefined) return -1;
      const order = x < y ? -1 : x > y ? 1 : 0;
      return descending ? -order : order;
    })
    .map(({ record }) => record);
}
