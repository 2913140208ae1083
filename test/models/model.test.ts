// needs: local cluster
import { Cluster } from 'ioredis';
import { Cluster as Cluster5, Redis as Redis5 } from 'ioredis5';
import { describe, expect, it } from 'vitest';
import {
  AutoKeyField,
  defineModel,
  Field,
  KeyField,
  ModelValidationError,
  SortedField,
  SortedKeyField,
  UniqueKeyField,
  type Query,
} from '../../src/models/index.js';
import { metaOf } from '../../src/models/model.js';
import { escapeGlob, RedisNotConnectedError, scanKeys, type AnyRedisClient } from '../../src/redis/index.js';
import { removeEntriesOfMissingRecords } from '../../src/models/stale-entries.js';
import {
  backgroundTaskStats,
  BackgroundQueueFullError,
  configureBackgroundTasks,
  DEFAULT_MAX_PENDING_BACKGROUND_TASKS,
  drainBackgroundTasks,
  onBackgroundError,
  startNewThread,
} from '../../src/concurrency/index.js';
import { deferred, waitUntil } from '../helpers/async.js';
import {
  clusterNodes,
  newRedis,
  prefixedClient,
  redisUrl,
  scanAll,
  targets,
  useKeyPrefix,
  withUnpipelinedClient,
  type TestClient,
} from '../helpers/redis.js';

function userModel(redis: TestClient) {
  return defineModel(
    'User',
    {
      id: KeyField(),
      name: Field(),
      level: SortedField({ type: 'int' }),
      joined: SortedField({ type: 'datetime', null: true }),
      tags: Field({ type: 'list', default: () => [] }),
      active: Field({ type: 'boolean', default: true }),
    },
    { redis },
  );
}

describe.each(targets)('models on $name', ({ create }) => {
  const base = create();
  const prefix = useKeyPrefix(base);
  const isCluster = base instanceof Cluster;
  /** The model's keys in this deployment's layout (hash-tagged on a cluster). */
  const k = (key: string): string => (isCluster ? key.replace('User', '{User}') : key);

  function setup() {
    const p = prefix();
    const redis = prefixedClient(base, p);
    return { p, redis, User: userModel(redis) };
  }

  /** Resolves once the server no longer holds `key` (its TTL ran out): the state the reads meet. */
  const expired = (key: string): Promise<void> =>
    waitUntil(async () => (await base.exists(key)) === 0, `${key} to expire`);

  it('creates, gets (null when missing), updates and deletes a record with its indexes', async () => {
    const { p, User } = setup();
    const ann = await User.create({ id: '1', name: 'Ann', level: 3 });
    expect(ann).toMatchObject({ id: '1', name: 'Ann', level: 3, joined: null, tags: [], active: true });

    const loaded = await User.query.get({ id: '1' });
    expect(loaded?.toJSON()).toEqual(ann.toJSON());
    expect(await User.query.get({ id: '404' })).toBeNull();

    loaded!.level = 7;
    await loaded!.save();
    expect((await User.query.get({ id: '1' }))?.level).toBe(7);
    expect(await base.zscore(`${p}${k('$SortF:User:level')}`, k('User:1'))).toBe('7');

    expect(await loaded!.delete()).toBe(true);
    expect(await User.query.get({ id: '1' })).toBeNull();
    expect(await scanAll(base, `${p}*`)).toEqual([]);
  });

  it('sets a TTL on the record with save({ expire })', async () => {
    const { p, User } = setup();
    const ann = await User.create({ id: '1', name: 'Ann', level: 3 }, { expire: 3600 });
    const ttl = await base.ttl(`${p}${k('User:1')}`);
    expect(ttl).toBeGreaterThan(3590);
    await ann.save({ expire: 0.5 });
    const pttl = await base.pttl(`${p}${k('User:1')}`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(500);
  });

  it('deletes an instance never saved or loaded by its key values, checked as query.get checks them', async () => {
    const { User } = setup();
    await User.create({ id: 'a:b', name: 'Colon', level: 1 });
    await User.create({ id: 'null', name: 'Text null', level: 2 });
    // '{&#58;}' is how Popoto's layout writes ':', so this id would name the record 'a:b'.
    await expect(new User({ id: 'a{&#58;}b', name: 'x', level: 1 }).delete()).rejects.toThrow(
      new ModelValidationError(
        'User',
        'id',
        'a{&#58;}b',
        "a key value without the text {&#58;} (Popoto's key layout stores ':' as that text, so it would read back as ':')",
      ),
    );
    await expect(new User({ id: null as never, name: 'x', level: 1 }).delete()).rejects.toThrow(
      new TypeError('User.delete needs id as a non-empty string, got null'),
    );
    await expect(new User({ id: '', name: 'x', level: 1 }).delete()).rejects.toThrow(
      new TypeError("User.delete needs id as a non-empty string, got ''"),
    );
    expect((await User.query.all()).map((u) => u.id).sort()).toEqual(['a:b', 'null']);
    // A valid key value deletes the record it names, saved or not.
    expect(await new User({ id: 'a:b', name: 'x', level: 1 }).delete()).toBe(true);
    expect(await new User({ id: 'a:b', name: 'x', level: 1 }).delete()).toBe(false);
    expect((await User.query.all()).map((u) => u.id)).toEqual(['null']);
  });

  it('gives the SCAN pattern of its record keys (keyPattern) and parses them back (parseKey)', async () => {
    const { p, redis } = setup();
    const Price = defineModel(
      'Price',
      { symbol: KeyField(), date: KeyField(), close: Field({ type: 'float' }) },
      { redis },
    );
    await Price.create({ symbol: 'A:B*', date: '2024-01-02', close: 1 });
    await Price.create({ symbol: 'AAPL', date: '2024-01-02', close: 2 });
    await Price.create({ symbol: 'AAPL', date: '2024-01-03', close: 3 });
    await Price.create({ symbol: 'AAPLX', date: '2024-01-03', close: 4 });
    const layout = isCluster ? '{Price}' : 'Price';
    // Key fields join in alphabetical order of their names, as in Popoto: Price:<date>:<symbol>.
    expect(Price.keyPattern({ symbol: 'AAPL' })).toBe(`${layout}:*:AAPL`);
    expect(Price.keyPattern({ date: '2024-01-02' })).toBe(`${layout}:2024/-01/-02:*`);
    expect(Price.keyPattern({ symbol: 'A:B*' })).toBe(`${layout}:*:A{&#58;}B/\\*`);
    expect(Price.keyPattern()).toBe(`${layout}:*:*`);
    /** Key values of the keys SCAN finds for a pattern (the client's keyPrefix is ours to add and cut). */
    const scan = async (pattern: string): Promise<Record<string, string>[]> => {
      const found: Record<string, string>[] = [];
      for await (const key of scanKeys(`${escapeGlob(p)}${pattern}`, { redis: base })) {
        found.push(Price.parseKey(key.slice(p.length))!);
      }
      return found.sort((a, b) => `${a.date}${a.symbol}`.localeCompare(`${b.date}${b.symbol}`));
    };
    expect(await scan(Price.keyPattern({ symbol: 'AAPL' }))).toEqual([
      { date: '2024-01-02', symbol: 'AAPL' },
      { date: '2024-01-03', symbol: 'AAPL' },
    ]);
    expect(await scan(Price.keyPattern({ symbol: 'A:B*' }))).toEqual([{ date: '2024-01-02', symbol: 'A:B*' }]);
    expect(await scan(Price.keyPattern({ date: '2024-01-03', symbol: 'AAPLX' }))).toEqual([
      { date: '2024-01-03', symbol: 'AAPLX' },
    ]);
    expect(await scan(Price.keyPattern())).toHaveLength(4);
    // parseKey reads the keys query.keys() returns, and its result is what query.get takes.
    const keys = await Price.query.keys();
    const closes = await Promise.all(keys.map(async (key) => (await Price.query.get(Price.parseKey(key)!))?.close));
    expect(closes.sort()).toEqual([1, 2, 3, 4]);
    for (const foreign of ['Other:x:y', `${layout}:only-one`, `${layout}:a:b:c`, `${layout}::AAPL`, 'Price']) {
      expect(Price.parseKey(foreign)).toBeUndefined();
    }
    expect(() => Price.keyPattern({ close: 1 } as never)).toThrow(
      new TypeError(
        'Price.keyPattern: "close" is not a key field (key fields: date, symbol); use filter for other fields',
      ),
    );
    expect(() => Price.keyPattern({ symbol: 5 } as never)).toThrow(
      new TypeError('Price.keyPattern needs symbol as a non-empty string, got 5'),
    );
    expect(() => Price.keyPattern({ symbol: 'a{&#58;}b' })).toThrow(ModelValidationError);
    expect(() => Price.keyPattern(null as never)).toThrow(
      new TypeError('Price.keyPattern needs the key fields (date, symbol), got null'),
    );
    expect(() => Price.parseKey(5 as never)).toThrow(new TypeError('Price.parseKey key must be a string, got 5'));
  });

  it('moves the record and its index entries when a key field changes, leaving no orphans', async () => {
    const { p, User } = setup();
    const user = await User.create({ id: 'old', name: 'Ann', level: 3 });
    user.id = 'new';
    await user.save();
    expect(await User.query.get({ id: 'old' })).toBeNull();
    expect((await User.query.get({ id: 'new' }))?.name).toBe('Ann');
    expect(new Set(await scanAll(base, `${p}*`))).toEqual(
      new Set([
        `${p}${k('User:new')}`,
        `${p}${k('$Class:User')}`,
        `${p}${k('$KeyF:User:id:new')}`,
        `${p}${k('$SortF:User:level')}`,
      ]),
    );
    expect(await base.zrange(`${p}${k('$SortF:User:level')}`, '0', '-1')).toEqual([k('User:new')]);
  });

  it('filters by key equality and prefix, sorted ranges, with order_by and limit', async () => {
    const { User } = setup();
    const day = (d: number): Date => new Date(Date.UTC(2024, 0, d));
    await Promise.all(
      [
        { id: 'ann', name: 'Ann', level: 5, joined: day(3) },
        { id: 'anna', name: 'Anna', level: 1, joined: day(1) },
        { id: 'bob', name: 'Bob', level: 3, joined: null },
        { id: 'cy', name: 'Cy', level: 9, joined: day(2) },
      ].map((u) => User.create(u)),
    );
    const ids = (users: { id: string }[]): string[] => users.map((u) => u.id);
    expect(ids(await User.query.filter({ id: 'bob' }))).toEqual(['bob']);
    expect(ids(await User.query.filter({ id__startswith: 'ann', order_by: 'id' }))).toEqual(['ann', 'anna']);
    expect(ids(await User.query.filter({ level__gte: 3 }))).toEqual(['bob', 'ann', 'cy']);
    expect(ids(await User.query.filter({ level__gt: 3, level__lt: 9 }))).toEqual(['ann']);
    expect(ids(await User.query.filter({ level: 9 }))).toEqual(['cy']);
    expect(ids(await User.query.filter({ joined__lte: day(2) }))).toEqual(['anna', 'cy']);
    expect(ids(await User.query.filter({ id__startswith: 'a', level__lte: 4 }))).toEqual(['anna']);
    expect(ids(await User.query.filter({ order_by: '-level', limit: 2 }))).toEqual(['cy', 'ann']);
    expect(ids(await User.query.filter({ order_by: 'joined' }))).toEqual(['anna', 'cy', 'ann', 'bob']);
    expect(ids(await User.query.all()).sort()).toEqual(['ann', 'anna', 'bob', 'cy']);
    expect(await User.query.count()).toBe(4);
    expect(await User.query.count({ level__lt: 5 })).toBe(2);
    expect((await User.query.keys({ id: 'cy' })).map((key) => key.replace('{User}', 'User'))).toEqual(['User:cy']);
    const many = await User.query.getMany([{ id: 'cy' }, { id: 'nobody' }, { id: 'ann' }]);
    expect(many.map((u) => u?.name ?? null)).toEqual(['Cy', null, 'Ann']);
  });

  it('query.getMany sends batches of records at once, but behind commands of the same tick not yet written', async () => {
    const { p, redis, User } = setup();
    // Two script calls of 32 records: batches, sent without auto-pipelining.
    const ids = Array.from({ length: 64 }, (_, i) => ({ id: `o${i}` }));
    await Promise.all(ids.map(({ id }, i) => User.create({ id, name: 'saved', level: i })));
    const pipeline = redis.pipeline.bind(redis);
    let pipelines = 0;
    redis.pipeline = (...args: Parameters<typeof redis.pipeline>) => {
      pipelines++;
      return pipeline(...args);
    };
    try {
      // The count sees an auto-pipelined command: it makes a pipeline.
      expect(await redis.exists(k('User:o0'))).toBe(1);
      expect(pipelines).toBe(1);
      expect((await User.query.getMany(ids)).map((user) => user?.name)).toEqual(ids.map(() => 'saved'));
      expect(pipelines).toBe(1);
      // Deleted by plain commands, auto-pipelined, then read before they are written: the read
      // joins them, and sees the records gone.
      const deletes = ids.map(({ id }) => redis.unlink(k(`User:${id}`)));
      const read = User.query.getMany(ids);
      expect(redis.autoPipelineQueueSize).toBeGreaterThan(0);
      expect(await read).toEqual(ids.map(() => null));
      expect(await Promise.all(deletes)).toEqual(ids.map(() => 1));
    } finally {
      redis.pipeline = pipeline;
    }
    // The same on a client not connected yet (a Cluster without its slot map holds its
    // auto-pipelined commands apart from the count of queued ones).
    await Promise.all(ids.map(({ id }, i) => User.create({ id, name: 'saved again', level: i })));
    const fresh = prefixedClient(base, p);
    const FreshUser = userModel(fresh);
    expect(fresh.status).not.toBe('ready');
    const deletes = ids.map(({ id }) => fresh.unlink(k(`User:${id}`)));
    expect(await FreshUser.query.getMany(ids)).toEqual(ids.map(() => null));
    expect(await Promise.all(deletes)).toEqual(ids.map(() => 1));
  });

  it('skips records whose TTL expired and cleans their index entries in the background', async () => {
    const { p, User } = setup();
    await User.create({ id: 'short', name: 'S', level: 1 }, { expire: 0.05 });
    await User.create({ id: 'long', name: 'L', level: 2 });
    await expired(`${p}${k('User:short')}`);
    expect((await User.query.all()).map((u) => u.id)).toEqual(['long']);
    expect(await User.query.count()).toBe(1);
    await drainBackgroundTasks();
    expect(await base.smembers(`${p}${k('$Class:User')}`)).toEqual([k('User:long')]);
    expect(await base.exists(`${p}${k('$KeyF:User:id:short')}`)).toBe(0);
    expect(await base.zrange(`${p}${k('$SortF:User:level')}`, '0', '-1')).toEqual([k('User:long')]);
  });

  it('reads past expired records with the background queue full, and cleans them without taking a place in it', async () => {
    const { p, User } = setup();
    await User.create({ id: 'short', name: 'S', level: 1 }, { expire: 0.05 });
    await User.create({ id: 'long', name: 'L', level: 2 });
    await expired(`${p}${k('User:short')}`);
    const gate = deferred();
    const busy = startNewThread(() => gate.promise, { name: 'busy' });
    const failures: unknown[] = [];
    const stopListening = onBackgroundError((error) => failures.push(error));
    configureBackgroundTasks({ maxPending: 1 });
    try {
      busy(); // the application's queue is now full
      expect((await User.query.all()).map((u) => u.id)).toEqual(['long']);
      expect(await User.query.count()).toBe(1);
      expect(await User.query.keys()).toEqual([k('User:long')]);
      // Still full with the application's one task, not with the library's cleanup.
      expect(() => busy()).toThrow(BackgroundQueueFullError);
      gate.resolve();
      await drainBackgroundTasks();
      expect(backgroundTaskStats().pending).toBe(0);
      // The cleanup ran (drained like any task), and left the bound to the application.
      expect(await base.smembers(`${p}${k('$Class:User')}`)).toEqual([k('User:long')]);
      expect(await base.exists(`${p}${k('$KeyF:User:id:short')}`)).toBe(0);
      await User.create({ id: 'again', name: 'A', level: 3 }, { expire: 0.05 });
      await expired(`${p}${k('User:again')}`);
      const before = backgroundTaskStats();
      // Three reads meet the expired record; its cleanup is scheduled once.
      const reads = await Promise.all([User.query.all(), User.query.all(), User.query.count()]);
      expect(reads).toEqual([[expect.objectContaining({ id: 'long' })], [expect.objectContaining({ id: 'long' })], 1]);
      busy(); // the cleanup just scheduled is pending, outside the application's bound
      await drainBackgroundTasks();
      const after = backgroundTaskStats();
      expect(after.completed - before.completed).toBe(2); // busy, and one cleanup
      expect(await base.smembers(`${p}${k('$Class:User')}`)).toEqual([k('User:long')]);
      expect(failures).toEqual([]);
    } finally {
      configureBackgroundTasks({ maxPending: DEFAULT_MAX_PENDING_BACKGROUND_TASKS });
      gate.resolve();
      stopListening();
    }
  });

  it('drops a record from a sorted index when its sorted field becomes null', async () => {
    const { p, User } = setup();
    const user = await User.create({ id: '1', name: 'Ann', level: 3, joined: new Date(Date.UTC(2024, 0, 1)) });
    expect(await base.zscore(`${p}${k('$SortF:User:joined')}`, k('User:1'))).toBe(String(Date.UTC(2024, 0, 1) / 1000));
    user.joined = null;
    await user.save();
    expect(await base.zscore(`${p}${k('$SortF:User:joined')}`, k('User:1'))).toBeNull();
    expect(await base.zscore(`${p}${k('$SortF:User:level')}`, k('User:1'))).toBe('3');
  });

  it('treats equal bounds by their strictest form', async () => {
    const { User } = setup();
    await Promise.all([4, 5, 6].map((level) => User.create({ id: String(level), name: 'x', level })));
    const ids = async (params: Parameters<typeof User.query.filter>[0]): Promise<string[]> =>
      (await User.query.filter(params)).map((u) => u.id);
    expect(await ids({ level__gte: 5, level__gt: 5 })).toEqual(['6']);
    expect(await ids({ level__gt: 5, level__gte: 5 })).toEqual(['6']);
    expect(await ids({ level__lte: 5, level__lt: 5 })).toEqual(['4']);
    expect(await ids({ level__gte: 5, level__lte: 5 })).toEqual(['5']);
  });

  it('removes index entries only for records that are really gone', async () => {
    const { redis, User } = setup();
    await User.create({ id: 'here', name: 'x', level: 1 });
    await User.create({ id: 'gone', name: 'y', level: 2 });
    await redis.del(k('User:gone'));
    const meta = metaOf(User);
    await removeEntriesOfMissingRecords(redis, meta, [k('User:here'), k('User:gone')]);
    expect(await redis.smembers(k('$Class:User'))).toEqual([k('User:here')]);
    expect(await redis.zrange(k('$SortF:User:level'), '0', '-1')).toEqual([k('User:here')]);
    expect(await redis.exists(k('$KeyF:User:id:gone'))).toBe(0);
    expect(await redis.exists(k('$KeyF:User:id:here'))).toBe(1);
  });

  it('fails only the reads of a key that is not a record, not the rest of the batch', async () => {
    const { redis, User } = setup();
    await User.create({ id: 'good', name: 'Ann', level: 1 });
    await redis.set(k('User:bad'), 'not a hash');
    const [good, bad] = await Promise.allSettled([User.query.get({ id: 'good' }), User.query.get({ id: 'bad' })]);
    expect(good).toMatchObject({ status: 'fulfilled', value: { name: 'Ann' } });
    expect(bad).toMatchObject({ status: 'rejected' });
    expect(String((bad as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE.*\(key "(\{User\}|User):bad"\)/);
  });

  it('generates an AutoKeyField as 32 hex characters', async () => {
    const { redis } = setup();
    const Note = defineModel('Note', { nid: AutoKeyField(), body: Field() }, { redis });
    const note = await Note.create({ body: 'hello' });
    expect(note.nid).toMatch(/^[0-9a-f]{32}$/);
    expect((await Note.query.get({ nid: note.nid }))?.body).toBe('hello');
  });

  it('builds instances of a subclass, with its own methods', async () => {
    const { redis } = setup();
    class Member extends defineModel('Member', { id: KeyField(), name: Field() }, { redis }) {
      greet(): string {
        return `hello ${this.name}`;
      }
    }
    const created = await Member.create({ id: '1', name: 'Ann' });
    expect(created).toBeInstanceOf(Member);
    expect(created.greet()).toBe('hello Ann');
    const loaded = await Member.query.get({ id: '1' });
    expect(loaded).toBeInstanceOf(Member);
  });
});

describe('the redis option', () => {
  it('refuses anything but an ioredis client when the model is defined, without showing it', () => {
    const refused =
      'redis must be an ioredis (5 or 6) Redis or Cluster client, got a string (not shown: it may hold a password)';
    expect(() => defineModel('Note', { id: KeyField() }, { redis: 'redis://app:pw@h:1' as never })).toThrow(
      new TypeError(refused),
    );
    expect(() => defineModel('Note', { id: KeyField() }, { redis: { host: 'h', password: 'pw' } as never })).toThrow(
      new TypeError(
        'redis must be an ioredis (5 or 6) Redis or Cluster client, got an object (not shown: it may hold a password)',
      ),
    );
    expect(() => defineModel('Note', { id: KeyField() }, { redis: null as never })).toThrow(
      new TypeError('redis must be an ioredis (5 or 6) Redis or Cluster client, got null'),
    );
  });

  describe.each(targets)('takes an ioredis 5 client (another copy of ioredis) on $name', ({ create }) => {
    const base = create();
    const prefix = useKeyPrefix(base);

    it('saves, reads, filters and deletes through it', async () => {
      const keyPrefix = prefix();
      const seeds = clusterNodes()
        .split(',')
        .map((node) => ({ host: node.split(':')[0]!, port: Number(node.split(':')[1]) }));
      const client5 =
        base instanceof Cluster ? new Cluster5(seeds, { keyPrefix }) : new Redis5(redisUrl(), { keyPrefix });
      // An ioredis 5 Redis type-checks as it is. ioredis 5's Cluster does not yet, for any option
      // that takes a client: its generic `on` does not fit RedisClientLike (src/redis/client-shape.ts).
      const redis = client5 instanceof Cluster5 ? (client5 as unknown as AnyRedisClient) : client5;
      try {
        const Note = defineModel('Note', { id: KeyField(), body: Field(), rank: SortedField() }, { redis });
        await Note.create({ id: 'a', body: 'first', rank: 1 });
        await Note.create({ id: 'b', body: 'second', rank: 2 }, { expire: 60 });
        expect((await Note.query.get({ id: 'a' }))?.body).toBe('first');
        expect((await Note.query.filter({ rank__gte: 2 })).map((n) => n.id)).toEqual(['b']);
        expect(await base.exists(`${keyPrefix}${base instanceof Cluster ? '{Note}' : 'Note'}:b`)).toBe(1);
        expect(await (await Note.query.get({ id: 'b' }))!.delete()).toBe(true);
        expect(await new Note({ id: 'a', body: '', rank: 0 }).delete()).toBe(true);
        expect(await Note.query.count()).toBe(0);
      } finally {
        client5.disconnect();
      }
    });
  });
});

describe('keyPattern and parseKey without a client at hand', () => {
  it('say what they need, before anything is connected', () => {
    const Lonely = defineModel('Lonely', { id: KeyField() });
    const needs = (caller: string): string =>
      `${caller} needs the model's client at hand, to know its key layout (hash-tagged on a cluster): ` +
      "pass defineModel's redis option, or await connect() first";
    expect(() => Lonely.keyPattern()).toThrow(new RedisNotConnectedError(needs('Lonely.keyPattern')));
    expect(() => Lonely.parseKey('Lonely:1')).toThrow(new RedisNotConnectedError(needs('Lonely.parseKey')));
  });
});

describe('reads build instances without calling the constructor', () => {
  const redis = newRedis();
  const prefix = useKeyPrefix(redis);

  it('reads back what was saved for a subclass whose constructor reshapes its argument', async () => {
    const scoped = prefixedClient(redis, prefix());
    const Base = defineModel('Person', { id: KeyField(), name: Field({ default: 'anon' }) }, { redis: scoped });
    let constructed = 0;
    class Person extends Base {
      declare static readonly query: Query<typeof Person.fields, Person>;

      constructor(values: ConstructorParameters<typeof Base>[0]) {
        super({ ...values });
        constructed++;
      }

      greet(): string {
        return `hello ${this.name}`;
      }
    }
    await Person.create({ id: '1', name: 'Ann' });
    await Person.create({ id: '2', name: 'Bob' });
    expect(constructed).toBe(2);
    const one = await Person.query.get({ id: '1' });
    expect(one).toBeInstanceOf(Person);
    expect(one?.toJSON()).toEqual({ id: '1', name: 'Ann' });
    expect(one?.greet()).toBe('hello Ann');
    expect((await Person.query.getMany([{ id: '2' }, { id: '1' }])).map((p) => p?.toJSON())).toEqual([
      { id: '2', name: 'Bob' },
      { id: '1', name: 'Ann' },
    ]);
    expect(
      (await Person.query.all()).map((p) => p.toJSON()).sort((a, b) => String(a.id).localeCompare(String(b.id))),
    ).toEqual([
      { id: '1', name: 'Ann' },
      { id: '2', name: 'Bob' },
    ]);
    expect(constructed).toBe(2);
    // A loaded instance knows where it was stored: changing its key moves the record.
    one!.id = '3';
    await one!.save();
    expect(await Person.query.get({ id: '1' })).toBeNull();
    expect((await Person.query.get({ id: '3' }))?.name).toBe('Ann');
    expect(await one!.delete()).toBe(true);
  });
});

describe('validation', () => {
  const User = userModel(targets[0].create());

  it('names the model, the field and the value', async () => {
    await expect(User.create({ id: '1', name: 'Ann', level: 'high' as never })).rejects.toThrow(
      new ModelValidationError('User', 'level', 'high', 'a safe integer'),
    );
    await expect(User.create({ id: '1', name: 'Ann', level: 1.5 })).rejects.toThrow(
      'User.level must be a safe integer, got 1.5',
    );
    await expect(User.create({ id: '1', name: null as never, level: 1 })).rejects.toThrow(
      'User.name must be a string (the field is not nullable), got null',
    );
    await expect(User.create({ id: '', name: 'x', level: 1 })).rejects.toThrow(
      "User.id must be a non-empty string (it is part of the key), got ''",
    );
    await expect(User.create({ id: '1', name: 'x', level: 1, joined: new Date('nope') })).rejects.toThrow(
      'User.joined must be a valid Date from year 1 to 9999, got Invalid Date',
    );
    expect(() => new User({ id: '1', name: 'x', level: 1, nmae: 'typo' } as never)).toThrow(
      'User has no field "nmae" (fields: id, name, level, joined, tags, active)',
    );
    await expect(new User({ id: '1', name: 'x', level: 1 }).save({ expire: -1 })).rejects.toThrow(
      new RangeError(
        'expire must be a number of seconds > 0 and at most 9007199254740991 (Number.MAX_SAFE_INTEGER), got -1',
      ),
    );
  });

  it('rejects queries on unknown or unindexed fields, and incomplete keys', async () => {
    await expect(User.query.get({} as never)).rejects.toThrow(
      'User.query.get needs id as a non-empty string, got undefined',
    );
    await expect(User.query.get({ id: '1', name: 'x' } as never)).rejects.toThrow(
      'User.query.get: "name" is not a key field (key fields: id); use filter for other fields',
    );
    await expect(User.query.filter({ name: 'Ann' } as never)).rejects.toThrow(/User.query has no filter "name"/);
    await expect(User.query.filter({ level__between: 3 } as never)).rejects.toThrow(/has no filter "level__between"/);
    await expect(User.query.filter({ level__gte: '3' } as never)).rejects.toThrow(
      "User.query level__gte must be a number, got '3'",
    );
    await expect(User.query.filter({ order_by: 'nope' } as never)).rejects.toThrow(/order_by must name a field/);
    await expect(User.query.filter({ order_by: 'toString' } as never)).rejects.toThrow(/order_by must name a field/);
    await expect(User.query.filter({ limit: '5' } as never)).rejects.toThrow(
      new TypeError("User.query limit must be an integer >= 0, got '5'"),
    );
  });

  it('checks field options and filter limits with the shared argument checks, naming the option and the value', async () => {
    expect(() => KeyField('x' as never)).toThrow(new TypeError("KeyField options must be an object, got 'x'"));
    expect(() => KeyField([] as never)).toThrow(new TypeError('KeyField options must be an object, got []'));
    expect(() => KeyField({ maxLen: 3 } as never)).toThrow(
      new TypeError('KeyField has no option "maxLen" (known: type, null, maxLength)'),
    );
    expect(() => UniqueKeyField({ maxLen: 3 } as never)).toThrow(
      new TypeError('UniqueKeyField has no option "maxLen" (known: type, null, maxLength)'),
    );
    expect(() => SortedKeyField({ default: 3 } as never)).toThrow(
      new TypeError('SortedKeyField has no option "default" (known: type, null)'),
    );
    expect(() => AutoKeyField('x' as never)).toThrow(new TypeError("AutoKeyField options must be an object, got 'x'"));
    expect(() => KeyField({ type: 'list' } as never)).toThrow(
      new TypeError(
        "KeyField type must be one of string, int, bigint, float, boolean, datetime, date, decimal, time, got 'list'",
      ),
    );
    expect(() => KeyField({ type: 'int', maxLength: 3 } as never)).toThrow(
      new TypeError("KeyField maxLength applies to string fields only, not 'int'"),
    );
    expect(() => KeyField({ maxLength: 1.5 })).toThrow(
      new RangeError('KeyField maxLength must be an integer >= 1, got 1.5'),
    );
    expect(() => KeyField({ maxLength: null as never })).toThrow(
      new TypeError('KeyField maxLength must be an integer >= 1, got null'),
    );
    expect(KeyField({ maxLength: 7 }).maxLength).toBe(7);
    expect(() => Field(5 as never)).toThrow(new TypeError('Field options must be an object, got 5'));
    expect(() => Field({ maxLength: '5' } as never)).toThrow(
      new TypeError("Field maxLength must be an integer >= 1, got '5'"),
    );
    expect(() => Field({ maxLength: -2 })).toThrow(new RangeError('Field maxLength must be an integer >= 1, got -2'));
    expect(() => Field({ null: 'yes' } as never)).toThrow(new TypeError("Field null must be a boolean, got 'yes'"));
    expect(() => SortedField({ nul: true } as never)).toThrow(
      new TypeError('SortedField has no option "nul" (known: type, null, default, sortBy)'),
    );
    expect(Field({ null: true }).nullable).toBe(true);
    expect(Field().nullable).toBe(false);
    await expect(User.query.filter({ limit: -1 })).rejects.toThrow(
      new RangeError('User.query limit must be an integer >= 0, got -1'),
    );
    await expect(User.query.filter({ limit: 1.5 })).rejects.toThrow(
      new RangeError('User.query limit must be an integer >= 0, got 1.5'),
    );
    await expect(User.query.keys({ limit: Number.NaN })).rejects.toThrow(
      new TypeError('User.query limit must be an integer >= 0, got NaN'),
    );
    // An instance's values are an object too (an array used to pass as one).
    expect(() => new User([] as never)).toThrow(new TypeError('User values must be an object, got []'));
    expect(() => new User('Ann' as never)).toThrow(new TypeError("User values must be an object, got 'Ann'"));
  });

  it('rejects bad declarations', () => {
    expect(() => defineModel('Bad Name', { id: KeyField() })).toThrow(/model name must be an identifier/);
    expect(() => defineModel('NoKey', { name: Field(), _auto_key: Field() })).toThrow(
      'NoKey._auto_key: "_auto_key" is the name of the AutoKeyField Popoto adds to a model without key fields',
    );
    expect(() => defineModel('M', { save: Field(), id: KeyField() })).toThrow('M.save: "save" is reserved');
    expect(() => defineModel('M', { limit: SortedField(), id: KeyField() })).toThrow('M.limit: "limit" is reserved');
    expect(() => Field({ type: 'money' } as never)).toThrow(/Field type must be one of string, int/);
    expect(() => SortedField({ type: 'string' } as never)).toThrow(
      "SortedField type must be one of float, int, datetime, date, decimal, got 'string'",
    );
  });
});

describe('batching', () => {
  it('sends the query.get calls of one tick as a few batched commands, not one round trip each', async () => {
    await withUnpipelinedClient('batch', async (client, countWrites) => {
      const User = userModel(client);
      await Promise.all(Array.from({ length: 100 }, (_, i) => User.create({ id: String(i), name: `u${i}`, level: i })));
      await client.ping();
      const writes = countWrites();
      const users = await Promise.all(Array.from({ length: 100 }, (_, i) => User.query.get({ id: String(i) })));
      expect(users.map((u) => u?.level)).toEqual(Array.from({ length: 100 }, (_, i) => i));
      // 100 gets, read by scripts of at least 32 records each (read-batcher.ts): at most 4 writes.
      expect(writes()).toBeGreaterThan(0);
      expect(writes()).toBeLessThanOrEqual(4);
    });
  });
});
