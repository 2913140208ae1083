// Live interop: SortedField sort_by partitions (by a plain field, and by it and a key field) and
// Decimal SortedFields: the same bytes and sorted sets from each side, the same range answers,
// partition moves and deletes from either side leaving no index entry behind.
import { describe, expect, it } from 'vitest';
import { useInterop } from './harness.js';
import { interopModels } from './models.js';
import { py, type PyRecord } from './python-peer.js';

const interop = useInterop();

const PLAYERS = [
  { pid: 'a', tier: 1, team: 'red', score: 3.5, points: 10, price: '100' },
  { pid: 'b', tier: 2, team: 'red', score: 1, points: 20, price: '0.1' },
  { pid: 'c', tier: 1, team: 'blue-x', score: 7.25, points: 30, price: '-2.50' },
  { pid: 'd', tier: 1, team: 'red', score: 9, points: 40, price: '1E+2' },
];
const forPython = (p: (typeof PLAYERS)[number]) => ({ ...p, score: py.float(p.score), price: py.decimal(p.price) });
const keysOf = (records: PyRecord[]): string[] => records.map((r) => r.key).sort();

describe('Python Popoto 0.8.3 and popoto-ts on one Redis: sort_by partitions, Decimal SortedFields (live)', () => {
  it('the same bytes and sorted sets from each side: one per partition, Decimals stored as Popoto saves float(value)', async () => {
    const { redis, python, dump } = interop();
    const { Player } = interopModels(redis);
    for (const p of PLAYERS) await python.create('Player', forPython(p));
    const byPython = await dump();
    await redis.unlink(...Object.keys(byPython));
    const saved = [];
    for (const p of PLAYERS) saved.push(await Player.create(p));
    const byTs = await dump();
    expect(byTs).toEqual(byPython);
    expect(Object.keys(byTs).filter((k) => k.startsWith('$SortF'))).toEqual([
      '$SortF:Player:points:blue/-x:1',
      '$SortF:Player:points:red:1',
      '$SortF:Player:points:red:2',
      '$SortF:Player:price',
      '$SortF:Player:score:blue/-x',
      '$SortF:Player:score:red',
    ]);
    // The instance holds what Popoto stores: Python's str() of float(Decimal).
    expect(saved.map((p) => p.price)).toEqual(['100.0', '0.1', '-2.5', '100.0']);
    expect((await Player.query.get({ pid: 'c', tier: 1 }))?.price).toBe('-2.5');
    expect((await python.get('Player', { pid: 'c', tier: 1 }))?.repr.price).toBe("Decimal('-2.5')");
  });

  it('range filters name their partition and give the same answers on both sides; one left out is a TypeError', async () => {
    const { redis, python } = interop();
    const { Player } = interopModels(redis);
    for (const [i, p] of PLAYERS.entries()) {
      if (i % 2 === 0) await Player.create(p);
      else await python.create('Player', forPython(p));
    }
    const cases: [Parameters<typeof Player.query.keys>[0], Record<string, unknown>][] = [
      [
        { team: 'red', score__gte: 3 },
        { team: 'red', score__gte: py.float(3) },
      ],
      [
        { team: 'red', score__lt: 9 },
        { team: 'red', score__lt: py.float(9) },
      ],
      [
        { team: 'blue-x', score__gt: 0 },
        { team: 'blue-x', score__gt: py.float(0) },
      ],
      [
        { team: 'red', tier: 1, points__gte: 0 },
        { team: 'red', tier: 1, points__gte: 0 },
      ],
      [{ price__gte: '1' }, { price__gte: py.decimal('1') }],
      [{ price__lt: '0' }, { price__lt: py.decimal('0') }],
    ];
    for (const [ts, python_] of cases) {
      const mine = (await Player.query.keys(ts)).sort();
      expect(mine).toEqual(keysOf(await python.filter('Player', python_)));
      expect(mine.length).toBeGreaterThan(0);
    }
    expect((await Player.query.filter({ team: 'red', score__gte: 3 })).map((p) => p.pid)).toEqual(['a', 'd']);
    await expect(Player.query.filter({ score__gte: 3 })).rejects.toThrow(
      new TypeError(
        'Player.query: Player.score is partitioned by team (sortBy): a filter on it must give team by equality too, ' +
          'say { team: <value>, score__gte: <bound> }',
      ),
    );
    await expect(Player.query.count({ team: 'red', points__gte: 0 })).rejects.toThrow(/must give tier by equality/);
    await expect(python.filter('Player', { score__gte: py.float(3) })).rejects.toThrow(/QueryException/);
    await expect(Player.query.filter({ team: 'red' })).rejects.toThrow(
      /Player.team is not indexed; it can be given only as the partition/,
    );
  });

  it('a save that changes a partition value moves the score; deletes from either side leave no index entry', async () => {
    const { redis, python, dump } = interop();
    const { Player } = interopModels(redis);
    await python.create('Player', forPython(PLAYERS[0]!));
    // A fresh instance over the Python record (never loaded): the stored partition is read first.
    await Player.create({ ...PLAYERS[0]!, team: 'green', score: 4 });
    expect(keysOf(await python.filter('Player', { team: 'red', score__gte: py.float(0) }))).toEqual([]);
    expect(keysOf(await python.filter('Player', { team: 'green', score__gte: py.float(0) }))).toEqual(['Player:a:1']);
    const loaded = (await Player.query.get({ pid: 'a', tier: 1 }))!;
    loaded.team = 'blue-x';
    await loaded.save();
    expect(Object.keys(await dump()).filter((k) => k.includes(':score:'))).toEqual(['$SortF:Player:score:blue/-x']);
    expect(keysOf(await python.filter('Player', { team: 'blue-x', tier: 1, points__lte: 10 }))).toEqual(['Player:a:1']);
    // A key change too: the record and every index entry move.
    loaded.tier = 3;
    await loaded.save();
    expect(keysOf(await python.filter('Player', { team: 'blue-x', tier: 3, points__lte: 10 }))).toEqual(['Player:a:3']);

    // Popoto's own save of a new partition value adds the record there and leaves it in the old
    // one (no side can tell it is stale there): both sides then find it in both, the same answers.
    await python.update('Player', 'Player:a:3', { team: 'red' });
    expect(keysOf(await python.filter('Player', { team: 'blue-x', score__gte: py.float(0) }))).toEqual(['Player:a:3']);
    expect(await Player.query.keys({ team: 'blue-x', score__gte: 0 })).toEqual(['Player:a:3']);
    expect(await Player.query.keys({ team: 'red', score__gte: 0 })).toEqual(['Player:a:3']);
    await redis.zrem('$SortF:Player:score:blue/-x', 'Player:a:3');
    await redis.zrem('$SortF:Player:points:blue/-x:3', 'Player:a:3');

    await Player.create(PLAYERS[1]!);
    await python.delete('Player', 'Player:a:3');
    expect(await (await Player.query.get({ pid: 'b', tier: 2 }))!.delete()).toBe(true);
    expect(await dump()).toEqual({});
  });
});
