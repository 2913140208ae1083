// Live interop: projections (values=) and all()'s options give Popoto's answers; options a query
// does not take are TypeErrors naming them.
import { describe, expect, it } from 'vitest';
import { defineModel, Field, KeyField } from '../../src/models/index.js';
import { useInterop } from './harness.js';
import { interopModels } from './models.js';
import { fromPython, py } from './python-peer.js';

const interop = useInterop();

const PLAYERS = [
  { pid: 'a', tier: 1, team: 'red', score: 3.5, points: 10, price: '100.0' },
  { pid: 'b', tier: 2, team: 'red', score: 1, points: 20, price: '0.1' },
  { pid: 'c', tier: 1, team: 'blue', score: 7.25, points: 30, price: '2.5' },
];

describe('Python Popoto 0.8.3 and popoto-ts on one Redis: values= and all() options (live)', () => {
  it('filter and all with values, order_by and limit: plain objects of those fields, the same as Popoto’s', async () => {
    const { redis, python } = interop();
    const { Player } = interopModels(redis);
    for (const p of PLAYERS) await Player.create(p);
    const pythonRows = async (params: Record<string, unknown>) =>
      (await python.call<Record<string, unknown>[]>('values', { model: 'Player', params })).map(
        (row) => fromPython(row) as Record<string, unknown>,
      );
    const byPid = (rows: Record<string, unknown>[]) =>
      [...rows].sort((a, b) => String(a.pid).localeCompare(String(b.pid)));

    const mine = await Player.query.filter({ team: 'red', score__gte: 0, values: ['pid', 'price', 'score'] });
    expect(byPid(mine)).toEqual([
      { pid: 'a', price: '100.0', score: 3.5 },
      { pid: 'b', price: '0.1', score: 1 },
    ]);
    expect(byPid(mine)).toEqual(
      byPid(await pythonRows({ team: 'red', score__gte: py.float(0), values: py.tuple('pid', 'price', 'score') })),
    );
    // Key fields only: read from the keys (typed), as Popoto reads them.
    const keysOnly = await Player.query.all({ values: ['pid', 'tier'], order_by: '-pid', limit: 2 });
    expect(keysOnly).toEqual([
      { pid: 'c', tier: 1 },
      { pid: 'b', tier: 2 },
    ]);
    expect(keysOnly).toEqual(await pythonRows({ values: py.tuple('pid', 'tier'), order_by: '-pid', limit: 2 }));
    const ordered = await Player.query.all({ order_by: 'points', limit: 2 });
    expect(ordered.map((p) => p.pid)).toEqual(['a', 'b']);
    await expect(Player.query.all({ values: ['pid'], order_by: 'points' })).rejects.toThrow(
      /order_by "points" must be one of the values \(as in Popoto\)/,
    );
    await expect(python.call('values', { model: 'Player', params: { values: py.tuple('pid'), order_by: 'points' } })).rejects.toThrow(
      /must be included in values/,
    ); // prettier-ignore
  });

  it('a projection reads only the fields named: a record whose other fields cannot be read still projects', async () => {
    const { redis, python } = interop();
    await python.create('Frame', { fid: 'f', frame: { $frame: [{ a: 1 }] }, note: 'kept' });
    const Frame = defineModel(
      'Frame',
      { fid: KeyField(), frame: Field({ type: 'object', null: true }), note: Field() },
      { redis },
    );
    await expect(Frame.query.all()).rejects.toThrow(/DataFrameField/);
    expect(await Frame.query.all({ values: ['note', 'fid'] })).toEqual([{ note: 'kept', fid: 'f' }]);
  });

  it('an option a query does not take is a TypeError naming it, everywhere; nothing is ignored', async () => {
    const { redis } = interop();
    const { Player } = interopModels(redis);
    const cases: [() => Promise<unknown>, string | RegExp][] = [
      [() => Player.query.all({ where: 1 } as never), 'Player.query.all has no option "where" (its options: limit, order_by, values); use filter for conditions'],
      [() => Player.query.all({ team: 'red' } as never), /Player.query.all has no option "team"/],
      [() => Player.query.keys({ values: ['pid'] } as never), 'Player.query.keys takes no "values" option (its options: limit)'],
      [() => Player.query.count({ order_by: 'pid' } as never), 'Player.query.count takes no "order_by" option (its options: limit)'],
      [() => Player.query.filter({ pid: 'a', colour: 'red' } as never), /Player.query has no filter "colour"/],
      [() => Player.query.filter({ pid: 'a', values: ['nope'] } as never), /Player.query values must be a non-empty array of Player's field names/],
      [() => Player.query.get({ pid: 'a', tier: 1, limit: 1 } as never), /"limit" is not a key field/],
    ]; // prettier-ignore
    for (const [call, message] of cases) await expect(call()).rejects.toThrow(message);
  });
});
