// needs: local cluster
// Key fields and their lookups, on a single Redis and on a cluster (the live comparisons with
// Python Popoto are in test/interop/keys.test.ts and indexes.test.ts): typed, nullable, unique
// and sorted key fields, the hidden _auto_key, __in/__startswith/__endswith/__isnull, bad input
// refused before anything is written, and index reads sent as one plan.
import { describe, expect, it } from 'vitest';
import {
  datetimeFromIso,
  defineModel,
  Field,
  KeyField,
  ModelValidationError,
  MultipleRecordsError,
  SortedField,
  SortedKeyField,
  UniqueKeyField,
} from '../../src/models/index.js';
import { scanAll, targets, useModelTarget, withUnpipelinedClient, type TestClient } from '../helpers/redis.js';

function models(redis: TestClient) {
  const Player = defineModel(
    'Player',
    {
      email: UniqueKeyField(),
      team: KeyField(),
      seat: KeyField({ type: 'int', null: true }),
      rank: SortedKeyField({ type: 'int' }),
      level: SortedField({ type: 'int' }),
      name: Field({ null: true }),
    },
    { redis },
  );
  const Reading = defineModel(
    'Reading',
    {
      at: SortedKeyField({ type: 'datetime' }),
      day: KeyField({ type: 'date' }),
      ok: KeyField({ type: 'boolean' }),
      price: KeyField({ type: 'decimal' }),
      value: Field({ type: 'float' }),
    },
    { redis },
  );
  const Log = defineModel('Log', { line: Field(), level: SortedField({ type: 'int' }) }, { redis });
  return { Player, Reading, Log };
}

describe.each(targets)('key fields on $name', ({ create }) => {
  const target = useModelTarget(create);
  const { base, k } = target;

  function setup() {
    const { p, redis } = target.setup();
    return { p, redis, ...models(redis) };
  }

  const PLAYERS = [
    { email: 'a@x', team: 'red', seat: 1, rank: 1, level: 10, name: 'A' },
    { email: 'b@x', team: 'red', seat: null, rank: 2, level: 20, name: 'B' },
    { email: 'c@y', team: 'green', seat: 3, rank: 3, level: 30, name: 'C' },
    { email: 'd@y', team: 'blue', seat: null, rank: 4, level: 40, name: 'D' },
  ];

  it('writes each key field into its own index, typed and nullable parts as Popoto writes them', async () => {
    const { p, Player } = setup();
    await Player.create(PLAYERS[1]!);
    expect(new Set(await scanAll(base, `${p}*`))).toEqual(
      new Set(
        [
          'Player:b@x:2:None:red',
          '$Class:Player',
          '$UniqueKeyF:Player:email:b@x',
          '$KeyF:Player:seat:None',
          '$KeyF:Player:team:red',
          '$SortedKeyF:Player:rank',
          '$SortF:Player:level',
        ].map((key) => p + k(key, 'Player')),
      ),
    );
    expect(Player.parseKey(k('Player:b@x:2:None:red', 'Player'))).toEqual({
      email: 'b@x',
      rank: 2,
      seat: null,
      team: 'red',
    });
    expect(Player.parseKey(k('Player:b@x:2.0:None:red', 'Player'))).toBeUndefined();
    expect(Player.keyPattern({ seat: null, rank: -1 })).toBe(k('Player:*:/-1:None:*', 'Player'));
  });

  it('filters by __in, __startswith, __endswith and __isnull, alone and with ranges and other fields', async () => {
    const { Player } = setup();
    for (const player of PLAYERS) await Player.create(player);
    const names = async (params: Parameters<typeof Player.query.filter>[0]) =>
      (await Player.query.filter(params)).map((player) => player.name);
    expect(await names({ team__in: ['red', 'blue', 'none'], order_by: 'name' })).toEqual(['A', 'B', 'D']);
    expect(await names({ team__in: ['green', 'red'], level__gte: 20 })).toEqual(['B', 'C']);
    expect(await names({ team__in: [] })).toEqual([]);
    expect(await names({ seat__in: [3, null], order_by: 'name' })).toEqual(['B', 'C', 'D']);
    expect(await names({ seat__isnull: true, order_by: 'name' })).toEqual(['B', 'D']);
    expect(await names({ seat__isnull: false, order_by: 'name' })).toEqual(['A', 'C']);
    expect(await names({ seat: null, team: 'red' })).toEqual(['B']);
    expect(await names({ email__endswith: '@y', order_by: '-name' })).toEqual(['D', 'C']);
    expect(await names({ email__startswith: 'a', email__endswith: 'x' })).toEqual(['A']);
    expect(await names({ rank__in: [4, 2, 9] })).toEqual(['D', 'B']);
    expect(await names({ rank__gte: 2, rank__lt: 4 })).toEqual(['B', 'C']);
    expect(await names({ rank: 3 })).toEqual(['C']);
    expect(await names({ rank__startswith: '1' })).toEqual(['A']);
    // __startswith/__endswith match the key part's text as Popoto writes it: None for null.
    expect(await names({ seat__endswith: 'one', order_by: 'name' })).toEqual(['B', 'D']);
    // Every key field by equality reads the one record key; other conditions still apply.
    const full = { email: 'a@x', team: 'red', seat: 1, rank: 1 };
    expect(await names({ ...full, team__in: ['red'] })).toEqual(['A']);
    expect(await names({ ...full, team__in: ['blue'] })).toEqual([]);
    // Every key field by equality or __in: the candidate keys themselves are checked, in the order given.
    const pinned = { email__in: ['b@x', 'a@x', 'c@y'], team: 'red', seat__in: [null, 1], rank__in: [2, 1] };
    expect(await names(pinned)).toEqual(['B', 'A']);
    expect(await names({ ...pinned, email__startswith: 'a' })).toEqual(['A']);
    // Equality and __in on the same field: both hold.
    expect(await names({ team: 'red', team__in: ['green', 'red'], order_by: 'name' })).toEqual(['A', 'B']);
    expect(await names({ team: 'red', team__in: ['green'] })).toEqual([]);
    expect(await Player.query.count({ team__in: ['red', 'green'], seat__isnull: false })).toBe(2);
    expect(await Player.query.count({ email__in: ['a@x', 'c@y'], rank__in: [3] })).toBe(1);
  });

  it('gets by a UniqueKeyField alone; a value held by two records is a MultipleRecordsError naming them', async () => {
    const { Player } = setup();
    for (const player of PLAYERS) await Player.create(player);
    expect((await Player.query.get({ email: 'c@y' }))?.name).toBe('C');
    expect((await Player.query.get({ email: 'c@y', team: 'green' }))?.name).toBe('C');
    expect(await Player.query.get({ email: 'c@y', team: 'red' })).toBeNull();
    expect(await Player.query.get({ email: 'zz' })).toBeNull();
    // A UniqueKeyField left undefined is not a lookup by it: every key field is then needed.
    await expect(Player.query.get({ email: undefined, team: 'red' } as never)).rejects.toThrow(
      new TypeError('Player.query.get needs email as a non-empty string, got undefined'),
    );
    await Player.create({ ...PLAYERS[0]!, team: 'blue', name: 'A2' });
    const error = await Player.query.get({ email: 'a@x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MultipleRecordsError);
    expect((error as MultipleRecordsError).message).toMatch(
      /^Player\.query\.get found 2 records for \{ email: '\*\*\*@x' \} \(\S+, \S+\), not one: use query.filter$/,
    );
    expect((error as MultipleRecordsError).keys).toHaveLength(2);
    await expect(Player.query.get({ email: 'a@x', name: 'A' } as never)).rejects.toThrow(
      'Player.query.get: "name" is not a key field (key fields: email, rank, seat, team); use filter for other fields',
    );
  });

  it('moves and deletes every index entry of a record: $Class, $KeyF, $UniqueKeyF, $SortedKeyF, $SortF', async () => {
    const { p, Player } = setup();
    const player = await Player.create(PLAYERS[0]!);
    const fresh = new Set(await scanAll(base, `${p}*`));
    Object.assign(player, { email: 'moved@x', team: 'blue', seat: null, rank: 7 });
    await player.save();
    const keys = new Set(await scanAll(base, `${p}*`));
    expect(keys).toEqual(
      new Set(
        [
          'Player:moved@x:7:None:blue',
          '$Class:Player',
          '$UniqueKeyF:Player:email:moved@x',
          '$KeyF:Player:seat:None',
          '$KeyF:Player:team:blue',
          '$SortedKeyF:Player:rank',
          '$SortF:Player:level',
        ].map((key) => p + k(key, 'Player')),
      ),
    );
    expect(await base.zrange(`${p}${k('$SortedKeyF:Player:rank', 'Player')}`, '0', '-1', 'WITHSCORES')).toEqual([
      k('Player:moved@x:7:None:blue', 'Player'),
      '7',
    ]);
    expect(fresh.size).toBe(7);
    expect(await player.delete()).toBe(true);
    expect(await scanAll(base, `${p}*`)).toEqual([]);
  });

  it('keys typed fields by Python str(): dates, datetimes, booleans and decimals, read back typed', async () => {
    const { p, Reading } = setup();
    const at = datetimeFromIso('2024-05-06T07:08:09.000010');
    await Reading.create({ at, day: new Date('2024-05-06T00:00:00Z'), ok: true, price: '1e2', value: 1.5 });
    const key = 'Reading:2024/-05/-06 07{&#58;}08{&#58;}09.000010:2024/-05/-06:True:1E+2';
    expect(await scanAll(base, `${p}${k('Reading:', 'Reading')}*`)).toEqual([p + k(key, 'Reading')]);
    const found = await Reading.query.get({ at, day: new Date('2024-05-06T00:00:00Z'), ok: true, price: '1e+2' });
    expect(found?.toJSON()).toEqual({ at, day: new Date('2024-05-06T00:00:00Z'), ok: true, price: '1e2', value: 1.5 });
    expect((await Reading.query.filter({ price__in: ['1E2', '5'] })).length).toBe(1);
    expect((await Reading.query.filter({ at__gte: new Date('2024-05-06T00:00:00Z'), ok: true })).length).toBe(1);
    expect((await Reading.query.filter({ ok: false })).length).toBe(0);
  });

  it('tells apart key values that share a score in a SortedKeyField (0 and -0) by their exact key part', async () => {
    const { redis } = setup();
    // A second key field left out of the filters, so they read the sorted index (not the record keys).
    const Gauge = defineModel('Gauge', { w: SortedKeyField(), site: KeyField(), label: Field() }, { redis });
    await Gauge.create({ w: 0, site: 'a', label: 'zero' });
    await Gauge.create({ w: -0, site: 'a', label: 'minus zero' });
    expect((await Gauge.query.filter({ w: 0 })).map((g) => g.label)).toEqual(['zero']);
    expect((await Gauge.query.filter({ w: -0 })).map((g) => g.label)).toEqual(['minus zero']);
    expect((await Gauge.query.filter({ w__in: [-0] })).map((g) => g.label)).toEqual(['minus zero']);
    expect(await Gauge.query.count({ w__gte: 0 })).toBe(2);
  });

  it("refuses a record holding None (Python's KeyField() is nullable) in a key field not declared null: true", async () => {
    const { redis } = setup();
    const Written = defineModel('Seat', { n: KeyField({ type: 'int' }), tag: KeyField({ null: true }) }, { redis });
    const Strict = defineModel('Seat', { n: KeyField({ type: 'int' }), tag: KeyField() }, { redis });
    await Written.create({ n: -25, tag: null });
    const refusal = Strict.query.get({ n: -25, tag: 'None' });
    await expect(refusal).rejects.toBeInstanceOf(ModelValidationError);
    await expect(refusal).rejects.toThrow(
      /^Seat\.tag must be non-null \(declare the field \{ null: true \}.*record .*Seat\}?:\/-25:None/,
    );
    expect((await Written.query.get({ n: -25, tag: null }))?.tag).toBeNull();
  });

  it("gives a model without key fields Popoto's hidden _auto_key, last among its fields", async () => {
    const { p, Log } = setup();
    expect(Object.keys(Log.fields)).toEqual(['line', 'level', '_auto_key']);
    const log = await Log.create({ line: 'started', level: 1 });
    expect(log._auto_key).toMatch(/^[0-9a-f]{32}$/);
    expect(await base.hkeys(`${p}${k(`Log:${log._auto_key}`, 'Log')}`)).toEqual(['line', 'level', '_auto_key']);
    expect((await Log.query.get({ _auto_key: log._auto_key }))?.line).toBe('started');
    expect((await Log.query.filter({ _auto_key__in: [log._auto_key, 'f'.repeat(32)] })).map((l) => l.line)).toEqual([
      'started',
    ]);
    expect(await Log.query.count({ level__gte: 1 })).toBe(1);
  });

  it('refuses bad key values and lookups, naming the model, the field and the value, and writes nothing', async () => {
    const { p, Player } = setup();
    const good = PLAYERS[0]!;
    await expect(Player.create({ ...good, seat: '1' as never })).rejects.toThrow(
      new ModelValidationError('Player', 'seat', '1', 'a safe integer'),
    );
    await expect(Player.create({ ...good, rank: null as never })).rejects.toThrow(
      'Player.rank must be a safe integer (the field is not nullable), got null',
    );
    await expect(Player.create({ ...good, seat: null, team: 'None' })).resolves.toBeDefined(); // team is not nullable
    // The scan at the end sees what a create writes: its empty answer there means nothing was written.
    expect(await scanAll(base, `${p}*`)).not.toEqual([]);
    await Player.query.get({ email: good.email, team: 'None', seat: null, rank: 1 }).then((found) => found!.delete());
    await expect(Player.query.get({ email: 'a@x', team: 'red', seat: 'x' as never, rank: 1 })).rejects.toThrow(
      new TypeError("Player.query.get needs seat as a safe integer or null, got 'x'"),
    );
    await expect(Player.query.filter({ team__in: 'red' as never })).rejects.toThrow(
      new TypeError("Player.query team__in must be an array of values, got 'red'"),
    );
    await expect(Player.query.filter({ seat__in: [1, 'two'] as never })).rejects.toThrow(
      new TypeError("Player.query seat__in: needs seat as a safe integer or null, got 'two'"),
    );
    await expect(Player.query.filter({ team__isnull: true } as never)).rejects.toThrow(
      new TypeError(
        'Player.query team__isnull (got true): Player.team is not nullable, so no record has it null; ' +
          'declare it { null: true } to read records that hold None',
      ),
    );
    await expect(Player.query.filter({ seat__isnull: 'yes' } as never)).rejects.toThrow(
      new TypeError("Player.query seat__isnull must be true or false, got 'yes'"),
    );
    await expect(Player.query.filter({ email__endswith: 5 } as never)).rejects.toThrow(
      new TypeError('Player.query email__endswith must be a string, got 5'),
    );
    await expect(Player.query.filter({ team__contains: 'e' } as never)).rejects.toThrow(
      /Player.query has no filter "team__contains"/,
    );
    await expect(Player.query.filter({ level__in: [1] } as never)).rejects.toThrow(/has no filter "level__in"/);
    await expect(Player.query.filter({ rank__gte: '1' } as never)).rejects.toThrow(
      new TypeError("Player.query rank__gte must be a number, got '1'"),
    );
    expect(await scanAll(base, `${p}*`)).toEqual([]);
  });
});

describe('one plan per filter', () => {
  it('checks the record keys themselves when every key field is given by equality or __in, in the order given', async () => {
    await withUnpipelinedClient('in-keys', async (client, countWrites) => {
      const Item = defineModel(
        'Item',
        { id: KeyField({ type: 'int' }), n: SortedField({ type: 'int' }) },
        { redis: client },
      );
      await Promise.all(Array.from({ length: 1000 }, (_, i) => Item.create({ id: i, n: i })));
      await client.ping();
      const writes = countWrites();
      const ids = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000).concat([5000, 6000]);
      expect((await Item.query.filter({ id__in: ids })).map((item) => item.id)).toEqual(ids.slice(0, 1000));
      // One SMISMEMBER of the 1,002 keys, then the record reads (8 scripts of 125): not one round trip per value.
      expect(writes()).toBeLessThanOrEqual(10);
      expect((await Item.query.filter({ id__in: [3, 1, 2], n__gte: 2 })).map((item) => item.id)).toEqual([2, 3]);
      expect(await Item.query.count({ id__in: [] })).toBe(0);
      expect(await Item.query.count({ id__in: [1, 2, 3], id__endswith: '2' })).toBe(1);
    });
  });

  it('sends the index reads of filter({ team__in: [...50], level__gte }) together, not one round trip per value', async () => {
    await withUnpipelinedClient('in-plan', async (client, countWrites) => {
      const { Player } = models(client);
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          Player.create({ email: `p${i}`, team: `t${i % 50}`, seat: i, rank: i, level: i }),
        ),
      );
      await client.ping();
      const writes = countWrites();
      const teams = Array.from({ length: 50 }, (_, i) => `t${i}`);
      const found = await Player.query.filter({ team__in: teams, level__gte: 50 });
      expect(found.map((p) => p.level).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => 50 + i));
      // One write for the range, one pipeline of the 50 SMEMBERS, then the record reads.
      expect(writes()).toBeGreaterThan(0);
      expect(writes()).toBeLessThanOrEqual(4);
    });
  });
});
