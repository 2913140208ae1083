import { assertWaitReplicas, connectionFor, waitForReplicas } from '../redis/wait-replicas.js';
import { randomUUID } from 'node:crypto';
import { assertOptionalSource, type RedisSource } from '../redis/connection.js';
import type { RedisClient } from '../redis/connection.js';
import { assertExpire } from '../redis/expire.js';
import { describeValue } from '../utils/errors.js';
import { assertKnownKeys, assertOptionsObject, optionNames } from '../utils/validate.js';
import { ModelWriteError, RecordKeyMismatchError } from './errors.js';
import type { FieldMap } from './fields.js';
import { META, metaOf, ModelMeta } from './meta.js';
import { readRecords } from './read-batcher.js';
import { Query } from './query.js';
import { RECORD_SCRIPT, SAVE_IS_REPEATABLE } from './record-script.js';
import type { CreateValues, Instance, KeyValues, ModelFields, SaveOptions } from './types.js';
import { checkedKeyParts, checkFieldValue, defaultOf, givenKeyParts } from './values.js';

const SAVED = Symbol('popoto-ts.saved');

/** The methods every model instance has besides its fields. */
export interface ModelMethods {
  /**
   * Writes the record and its indexes atomically (one script call). `expire` sets a TTL in seconds on
   * the record's hash. If a key field changed since the last save or load, the old record and
   * its index entries are removed in the same call: the record moves, nothing is orphaned.
   * Rejects with a ModelValidationError, before anything is sent, when a value does not fit
   * its field or could not be loaded by Python Popoto.
   */
  save(options?: SaveOptions): Promise<this>;
  /**
   * Deletes the record and its index entries. Resolves true if the record existed. An instance
   * never saved or loaded deletes the record its key fields name; they are checked as
   * `query.get` checks them (a TypeError or ModelValidationError, nothing sent).
   */
  delete(): Promise<boolean>;
  /** The field values as a plain object. */
  toJSON(): Record<string, unknown>;
}

/** An instance of a model: its fields plus `save`, `delete`, `toJSON`. */
export type ModelInstance<F extends FieldMap> = Instance<F> & ModelMethods;

/** A model class, as returned by `defineModel` (and extendable with `class X extends defineModel(...)`). */
export interface ModelClass<F extends FieldMap> {
  new (values: CreateValues<F>): ModelInstance<F>;
  /** The name used in Redis keys (Popoto uses the Python class name). */
  readonly modelName: string;
  /** The field declarations. */
  readonly fields: F;
  /**
   * Reads: `get`, `getMany`, `filter`, `all`, `count`, `keys`. A subclass's queries build
   * instances of the subclass, on its prototype without calling its constructor (which, like
   * class field initializers, runs for `new` and `create` only), so a constructor may take and
   * reshape its own arguments. TypeScript cannot type a static by the subclass it is read from,
   * so a subclass that wants its own methods typed on query results declares
   * `declare static readonly query: Query<typeof Member.fields, Member>`.
   */
  readonly query: Query<F, ModelInstance<F>>;
  /**
   * A glob pattern, for `scanKeys` (SCAN MATCH), of the Redis keys of this model's records whose
   * key fields have the values given; a key field left out matches any value. It follows the
   * model's key layout (Popoto's, the model name hash-tagged on a cluster), and escapes the
   * values as keys hold them and for the glob. Like `query.keys()`, it leaves out the client's
   * `keyPrefix` (ioredis applies none to SCAN): with a prefixed client, put
   * `escapeGlob(keyPrefix)` in front, and cut the prefix off the keys found before `parseKey`.
   * Throws unless the model's client is at hand (its `redis` option, or the shared connection
   * once `connect()` has resolved): the layout depends on it.
   *
   * @example
   * for await (const key of scanKeys(Price.keyPattern({ symbol: 'AAPL' }))) {
   *   const price = await Price.query.get(Price.parseKey(key)!);
   * }
   */
  keyPattern(keyValues?: Partial<KeyValues<F>>): string;
  /**
   * The key field values of one of this model's record keys (as `query.keys()` returns them and
   * `keyPattern` matches them), ready for `query.get`; undefined for any other key. Needs the
   * model's client at hand, as `keyPattern` does.
   */
  parseKey(key: string): KeyValues<F> | undefined;
  /** `new Model(values).save(options)`. */
  create<C extends abstract new (...args: never) => unknown>(
    this: C,
    values: CreateValues<F>,
    options?: SaveOptions,
  ): Promise<InstanceType<C>>;
}

/** Options of `defineModel`. */
export interface ModelOptions {
  /**
   * The client this model uses: an ioredis `Redis` or `Cluster`, of popoto-ts's ioredis or the
   * application's own (5 or 6, checked by shape when the model is defined). Default: the shared
   * connection (`connect()`), opened on first use. A `RedisConnection` stands for its client
   * (opened on first use too): the model then follows that connection, not the shared one.
   */
  redis?: RedisSource;
}

const MODEL_OPTIONS = optionNames<ModelOptions>({ redis: true });
const SAVE_OPTIONS = optionNames<SaveOptions>({ expire: true, waitReplicas: true });

export { metaOf };

/**
 * The Redis key an instance was last saved to or loaded from, so that a changed key field
 * moves the record without orphans (its old key field values are parsed back from this key).
 */
function savedAt(instance: object): string | undefined {
  return (instance as { [SAVED]?: string })[SAVED];
}

/**
 * How reads build instances of `model` from stored records: on its prototype, without calling
 * its constructor (a subclass's constructor is for new instances, and may reshape or require its
 * argument), without defaults or validation (the values come from Redis), remembering the key
 * they were read from.
 */
function hydrator<I>(model: abstract new (...args: never) => I): (stored: readonly unknown[], key: string) => I {
  const meta = metaOf(model);
  // An empty constructor sharing the model's prototype, rather than Object.create(prototype):
  // V8 sizes a constructor's objects for the properties they get, while Object.create's keep
  // them out of line, which makes building many records markedly slower (a full read is
  // dominated by Redis, where the two are within noise).
  const Blank = function () {} as unknown as { new (): Record<string, unknown> & { [SAVED]?: string } };
  (Blank as { prototype: unknown }).prototype = model.prototype;
  return (stored, key) => {
    const instance = new Blank();
    meta.decodeInto(instance, stored, key);
    instance[SAVED] = key;
    return instance as I;
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const queries = new WeakMap<object, Query<any, any>>();

/**
 * The names of the partitioned and related indexes (`ModelMeta.indexNames`) of the records
 * stored at `keys`, from their stored values (undefined for a record that does not exist).
 */
export async function storedIndexNames(
  meta: ModelMeta,
  client: RedisClient,
  keys: readonly string[],
  operation: string,
): Promise<(string[] | undefined)[]> {
  // The key fields too: a stored record always has them, so a record whose naming values are all
  // null is told apart from no record.
  const fields = [...new Set([...meta.namingFields, ...meta.keyFields])];
  const stored = await readRecords(client, keys, fields, { operation });
  return stored.map((record) => {
    if (record === null) return undefined;
    const values: Record<string, unknown> = {};
    meta.namingFields.forEach((field, i) => {
      const raw = record[i];
      const definition = meta.definitions[meta.fieldNames.indexOf(field)]!;
      values[field] = raw === null || raw === undefined ? null : definition.decode(raw);
    });
    return meta.indexNames(values, client);
  });
}

abstract class ModelBase {
  declare static [META]: ModelMeta;

  constructor(values?: Record<string, unknown>) {
    const meta = metaOf(this);
    assertOptionsObject(values, `${meta.name} values`);
    for (const key of Object.keys(values ?? {})) {
      if (!Object.hasOwn(meta.fields, key)) {
        throw new TypeError(
          `${meta.name} has no field ${JSON.stringify(key)} (fields: ${Object.keys(meta.fields).join(', ')})`,
        );
      }
    }
    for (const [field, spec] of meta.entries) {
      (this as Record<string, unknown>)[field] =
        values !== undefined && Object.hasOwn(values, field) && values[field] !== undefined
          ? values[field]
          : defaultOf(spec);
    }
  }

  save(options?: SaveOptions): Promise<this> {
    // Not async: validation errors still reject, and with a client at hand the write leaves in
    // this tick with one promise (saves are the hot path of a bulk restore).
    let meta: ModelMeta;
    try {
      meta = this.validateForSave(options);
    } catch (error) {
      return Promise.reject(error);
    }
    const write = (client: RedisClient): Promise<this> => {
      if (meta.namingFields.length > 0) return this.saveNamed(meta, client, options?.expire);
      const { keys, args, key } = this.saveCommand(meta, client, { expire: options?.expire });
      const waitReplicas = options?.waitReplicas;
      const saved = RECORD_SCRIPT.run(client, keys, args, SAVE_IS_REPEATABLE);
      return (
        waitReplicas === undefined
          ? saved
          : saved.then(() => waitForReplicas(client, connectionFor(client, key), waitReplicas))
      ).then(
        () => {
          (this as { [SAVED]?: string })[SAVED] = key;
          return this;
        },
        (error: unknown) => {
          throw new ModelWriteError([error], `${meta.name}.save failed: ${(error as Error).message}`);
        },
      );
    };
    const client = meta.client();
    return client instanceof Promise ? client.then(write) : write(client);
  }

  /**
   * The save of a model with partitioned or related indexes, whose keys are named by values:
   * the names the stored record (at the previous key, or at the key it is saved to) has are
   * read first, so that the save removes the record from the indexes it leaves, whichever side
   * wrote it. One read, then the script.
   */
  private async saveNamed(meta: ModelMeta, client: RedisClient, expire: number | undefined): Promise<this> {
    const values = this as unknown as Record<string, unknown>;
    const indexes = meta.indexes(client);
    const key = indexes.layout.instanceKey(meta.keyParts(values));
    const previousKey = savedAt(this) ?? key;
    const [oldNames] = await storedIndexNames(meta, client, [previousKey], `${meta.name}.save`);
    const names = meta.indexNames(values, client);
    const renamed = oldNames !== undefined && oldNames.some((name, i) => name !== names[i]);
    const { keys, args } = this.saveCommand(meta, client, {
      expire,
      names,
      oldNames: renamed ? oldNames : undefined,
      previousKey,
    });
    try {
      await RECORD_SCRIPT.run(client, keys, args, SAVE_IS_REPEATABLE);
    } catch (error) {
      throw new ModelWriteError([error], `${meta.name}.save failed: ${(error as Error).message}`);
    }
    (this as { [SAVED]?: string })[SAVED] = key;
    return this;
  }

  /** Checks the options and every field (generating auto keys); throws what save rejects with. */
  private validateForSave(options: SaveOptions | undefined): ModelMeta {
    if (options !== undefined) {
      assertOptionsObject(options, 'options');
      assertKnownKeys(options, SAVE_OPTIONS, 'options');
    }
    const expire = options?.expire;
    if (expire !== undefined) assertExpire(expire);
    assertWaitReplicas(options?.waitReplicas);
    const meta = metaOf(this);
    const values = this as unknown as Record<string, unknown>;
    const { entries, definitions } = meta;
    for (let i = 0; i < entries.length; i++) {
      const [field, spec] = entries[i]!;
      const absent = values[field] === null || values[field] === undefined;
      if (spec.kind === 'autokey' && absent) values[field] = randomUUID().replace(/-/g, '');
      // Popoto's DatetimeField: auto_now on every save, auto_now_add while empty (its first save).
      if (spec.autoNow === 'always' || (spec.autoNow === 'add' && absent)) values[field] = new Date();
      checkFieldValue({ model: meta.name, field, spec, definition: definitions[i]! }, values[field]);
    }
    // Popoto's SortedField saves float(value) of a Decimal: the instance holds what is stored.
    for (const { field, definition, structure } of meta.sortedIndexes) {
      const stored = definition.index?.stored;
      if (structure === 'zset' && stored !== undefined && values[field] !== null && values[field] !== undefined) {
        values[field] = stored(values[field]);
      }
    }
    return meta;
  }

  /** KEYS and ARGV of the record script's save (see record-script.ts for their layout). */
  /**
   * KEYS and ARGV of the record script's save (see record-script.ts for their layout). `names`
   * name the record's partitioned and related indexes; `oldNames` are the names the stored
   * record at `previousKey` has, when they differ (its entries there are removed).
   */
  private saveCommand(
    meta: ModelMeta,
    client: RedisClient,
    {
      expire,
      names = [],
      oldNames,
      previousKey = savedAt(this),
    }: {
      expire: number | undefined;
      names?: readonly string[];
      oldNames?: readonly string[] | undefined;
      previousKey?: string | undefined;
    },
  ): { keys: string[]; args: (string | number | Buffer)[]; key: string } {
    const values = this as unknown as Record<string, unknown>;
    const indexes = meta.indexes(client);
    const { key, keys } = indexes.ofKeyParts(meta.keyParts(values), names);
    const moving = previousKey !== undefined && (previousKey !== key || oldNames !== undefined);
    if (moving) {
      const previous = indexes.ofKey(previousKey, oldNames ?? names);
      if (previous === undefined)
        throw new RecordKeyMismatchError(`${meta.name}: ${previousKey} is not a record key of this model`);
      // The old record and its index keys, without the class set (the same for both).
      keys.push(previousKey, ...previous.keys.slice(2));
    }
    const args: (string | number | Buffer)[] = ['save', indexes.setCount, indexes.sortedCount, key];
    if (expire === undefined) args.push('', '');
    else if (Number.isInteger(expire)) args.push('EX', expire);
    else args.push('PX', Math.max(1, Math.round(expire * 1000)));
    args.push(moving ? previousKey : '');
    meta.appendScores(values, args);
    meta.appendFields(values, args, client);
    return { keys, args, key };
  }

  async delete(): Promise<boolean> {
    const meta = metaOf(this);
    const saved = savedAt(this);
    // Never saved or loaded: the key is built from the key fields, checked as query.get checks
    // them (before anything is sent), so no value can name another record.
    const keyParts =
      saved === undefined
        ? checkedKeyParts(meta, this as unknown as Record<string, unknown>, `${meta.name}.delete`)
        : undefined;
    const client = await meta.client();
    const indexes = meta.indexes(client);
    const key = keyParts === undefined ? saved! : indexes.layout.instanceKey(keyParts);
    // The partitioned and related indexes it is in are named by its stored values.
    const names =
      meta.namingFields.length === 0
        ? []
        : ((await storedIndexNames(meta, client, [key], `${meta.name}.delete`))[0] ?? meta.indexNames({}, client));
    const record = indexes.ofKey(key, names);
    if (record === undefined)
      throw new RecordKeyMismatchError(`${meta.name}: ${saved} is not a record key of this model`);
    let removed: unknown;
    try {
      removed = await RECORD_SCRIPT.run(client, record.keys, [
        'delete',
        indexes.setCount,
        indexes.sortedCount,
        record.key,
      ]);
    } catch (error) {
      throw new ModelWriteError([error], `${meta.name}.delete failed: ${(error as Error).message}`);
    }
    (this as { [SAVED]?: string })[SAVED] = undefined;
    return removed === 1;
  }

  toJSON(): Record<string, unknown> {
    const meta = metaOf(this);
    return Object.fromEntries(meta.entries.map(([field]) => [field, (this as Record<string, unknown>)[field]]));
  }

  static get modelName(): string {
    return metaOf(this).name;
  }

  static get fields(): FieldMap {
    return metaOf(this).fields;
  }

  /** One Query per class, so that a subclass's queries build instances of the subclass. */
  static get query(): Query<FieldMap, ModelBase> {
    let query = queries.get(this);
    if (query === undefined) {
      query = new Query(metaOf(this), hydrator(this as unknown as abstract new () => ModelBase));
      queries.set(this, query);
    }
    return query;
  }

  static keyPattern(keyValues?: unknown): string {
    const meta = metaOf(this);
    const caller = `${meta.name}.keyPattern`;
    const given = givenKeyParts(meta, keyValues === undefined ? {} : keyValues, caller, { partial: true });
    return meta.layoutNow(caller).instancePattern(given);
  }

  static parseKey(key: unknown): Record<string, unknown> | undefined {
    const meta = metaOf(this);
    const caller = `${meta.name}.parseKey`;
    if (typeof key !== 'string') throw new TypeError(`${caller} key must be a string, got ${describeValue(key)}`);
    const parts = meta.layoutNow(caller).keyParts(key, meta.keyFields.length);
    return parts === undefined ? undefined : meta.keyValuesOf(parts);
  }

  static async create(
    this: new (values: unknown) => ModelBase,
    values: unknown,
    options?: SaveOptions,
  ): Promise<ModelBase> {
    return new this(values).save(options);
  }
}

/**
 * Defines a Popoto-style model. `name` is the name in Redis keys (the Python class name, to
 * share data with Popoto). Instance properties, `create` arguments and `filter` parameters are
 * inferred from the field declarations. A model declared without a key field gets Popoto's
 * hidden `_auto_key` AutoKeyField, as Popoto adds it (its records are `Name:<32 hex>`).
 *
 * @example
 * const User = defineModel('User', { id: KeyField(), name: Field(), level: SortedField({ type: 'int' }) });
 * await User.create({ id: '1', name: 'Ann', level: 3 });
 * const ann = await User.query.get({ id: '1' });
 */
export function defineModel<const F extends FieldMap>(
  name: string,
  fields: F,
  options?: ModelOptions,
): ModelClass<ModelFields<F>> {
  assertOptionsObject(options, 'options');
  assertKnownKeys(options, MODEL_OPTIONS, 'options');
  const redis = options?.redis;
  assertOptionalSource(redis);
  const meta = new ModelMeta(name, fields, redis);
  const model = class extends ModelBase {};
  Object.defineProperty(model, 'name', { value: name });
  Object.defineProperty(model, META, { value: meta });
  return model as unknown as ModelClass<ModelFields<F>>;
}
