// Live interop: Python Popoto 0.8.3 (the real one, in a Python process) and popoto-ts on one
// private Redis, each reading, querying and checking what the other wrote. Queries: see
// queries.test.ts; TTL, delete and key moves: lifecycle.test.ts; limits: limits.test.ts.
import { describe, expect, it } from 'vitest';
import { datetimeFromIso, escapeKeyPart, unescapeKeyPart } from '../../src/models/index.js';
import { toPopotoDatetime } from '../../src/models/datetime.js';
import { randomKeyValues } from '../models/random-key-values.js';
import { useInterop } from './harness.js';
import { interopModels } from './models.js';
import { fromPython, py } from './python-peer.js';

const interop = useInterop();

/** An Order with every field type set, as popoto-ts holds it. */
const FULL = {
  zone: 'eu/-west',
  code: 'A:1*[x]',
  qty: 3,
  total: 19.5,
  placed: datetimeFromIso('2024-01-02T03:04:05.000006'),
  due: new Date('2024-02-29T00:00:00Z'),
  note: 'ünïcode ✓ "quoted" 😀',
  count: -42,
  ratio: 0.1,
  paid: true,
  price: '10.25',
  seen: datetimeFromIso('1999-12-31T23:59:59.999999'),
  born: new Date('1993-07-14T00:00:00Z'),
  tags: ['a', 2, 2.5, null, true, ['nested', { deep: 'x' }]],
  meta: { k: 1, nested: [1, 2.5, null], deep: { x: 'y', n: -7 }, wide: 70000, neg: -(2 ** 31) },
  views: 2n ** 63n + 5n,
};

/** The same Order as the Python side creates it (JSON tags for date and Decimal). */
const FULL_FOR_PYTHON = {
  ...FULL,
  due: py.date('2024-02-29'),
  born: py.date('1993-07-14'),
  price: py.decimal('10.25'),
};

/** Python's repr() of each field of FULL: the types Python Popoto sees. */
const FULL_REPR = {
  zone: "'eu/-west'",
  code: "'A:1*[x]'",
  qty: '3',
  total: '19.5',
  placed: 'datetime.datetime(2024, 1, 2, 3, 4, 5, 6)',
  due: 'datetime.date(2024, 2, 29)',
  note: `'ünïcode ✓ "quoted" 😀'`,
  count: '-42',
  ratio: '0.1',
  paid: 'True',
  price: "Decimal('10.25')",
  seen: 'datetime.datetime(1999, 12, 31, 23, 59, 59, 999999)',
  born: 'datetime.date(1993, 7, 14)',
  tags: "['a', 2, 2.5, None, True, ['nested', {'deep': 'x'}]]",
  meta: "{'k': 1, 'nested': [1, 2.5, None], 'deep': {'x': 'y', 'n': -7}, 'wide': 70000, 'neg': -2147483648}",
  views: '9223372036854775813',
};

/** An Order with only what must be set: every nullable field null, the boolean at its default. */
const SPARSE = {
  zone: 'us',
  code: 'B',
  qty: -1,
  total: 0,
  placed: new Date('2024-01-01T00:00:00Z'),
  due: new Date('2024-01-01T00:00:00Z'),
};
const SPARSE_FOR_PYTHON = { ...SPARSE, total: py.float(0), due: py.date('2024-01-01') };
const SPARSE_REPR = {
  zone: "'us'",
  code: "'B'",
  qty: '-1',
  total: '0.0',
  placed: 'datetime.datetime(2024, 1, 1, 0, 0)',
  due: 'datetime.date(2024, 1, 1)',
  note: 'None',
  count: 'None',
  ratio: 'None',
  paid: 'False',
  price: 'None',
  seen: 'None',
  born: 'None',
  tags: 'None',
  meta: 'None',
  views: 'None',
};

/** A Ticket with its AutoKeyField given, so both sides write the same key. */
const TICKET = { uid: '0123456789abcdef0123456789abcdef', queue: 'ops', rank: 7, body: 'hi' };

describe('Python Popoto 0.8.3 and popoto-ts on one Redis: records (live)', () => {
  it('Python reads every field type popoto-ts wrote, with its own types (datetime µs, date, Decimal, nested list/dict, null, 64-bit int)', async () => {
    const { redis, python } = interop();
    const { Order } = interopModels(redis);
    await Order.create(FULL);
    await Order.create(SPARSE);
    const full = await python.get('Order', { zone: FULL.zone, code: FULL.code });
    expect(full?.repr).toEqual(FULL_REPR);
    expect(full?.key).toBe('Order:A{&#58;}1/*/[x/]:eu///-west');
    expect((await python.get('Order', { zone: 'us', code: 'B' }))?.repr).toEqual(SPARSE_REPR);
  });

  it('popoto-ts reads every field type Python wrote, to the microsecond and the last bit of a 64-bit int', async () => {
    const { redis, python } = interop();
    const { Order } = interopModels(redis);
    await python.create('Order', FULL_FOR_PYTHON);
    await python.create('Order', SPARSE_FOR_PYTHON);
    const full = await Order.query.get({ zone: FULL.zone, code: FULL.code });
    expect(full?.toJSON()).toEqual(FULL);
    expect(toPopotoDatetime(full!.placed)).toBe('20240102T03:04:05.000006');
    expect(toPopotoDatetime(full!.seen!)).toBe('19991231T23:59:59.999999');
    expect((await Order.query.get({ zone: 'us', code: 'B' }))?.toJSON()).toEqual({
      ...SPARSE,
      note: null,
      count: null,
      ratio: null,
      paid: false,
      price: null,
      seen: null,
      born: null,
      tags: null,
      meta: null,
      views: null,
    });
  });

  it('the same records written by each side are the same bytes: keys, hashes, index sets and scores', async () => {
    const { redis, python, dump } = interop();
    const { Order, Ticket } = interopModels(redis);
    await python.create('Order', FULL_FOR_PYTHON);
    await python.create('Order', SPARSE_FOR_PYTHON);
    await python.create('Ticket', TICKET);
    const byPython = await dump();
    for (const key of Object.keys(byPython)) await redis.unlink(key);

    await Order.create(FULL);
    await Order.create(SPARSE);
    await Ticket.create(TICKET);
    const byTs = await dump();
    expect(byTs).toEqual(byPython);
    // What that covers: the key parts in alphabetical order of the field names (code before
    // zone, though zone is declared first), no index set for the AutoKeyField, the scores.
    expect(Object.keys(byTs)).toEqual([
      '$Class:Order',
      '$Class:Ticket',
      '$KeyF:Order:code:A{&#58;}1/*/[x/]',
      '$KeyF:Order:code:B',
      '$KeyF:Order:zone:eu///-west',
      '$KeyF:Order:zone:us',
      '$KeyF:Ticket:queue:ops',
      '$SortF:Order:due',
      '$SortF:Order:placed',
      '$SortF:Order:qty',
      '$SortF:Order:total',
      '$SortF:Ticket:rank',
      'Order:A{&#58;}1/*/[x/]:eu///-west',
      'Order:B:us',
      `Ticket:ops:${TICKET.uid}`,
    ]);
    expect(byTs['$SortF:Order:placed']?.value).toEqual([
      ['Order:B:us', '1704067200'],
      ['Order:A{&#58;}1/*/[x/]:eu///-west', '1704164645.000006'],
    ]);
    expect(byTs['$SortF:Order:due']?.value).toEqual([
      ['Order:B:us', '738886'],
      ['Order:A{&#58;}1/*/[x/]:eu///-west', '738945'],
    ]);
  });

  it('finds records whose two key fields hold hostile characters, from both sides, by get and by each key field', async () => {
    const { redis, python } = interop();
    const { Order } = interopModels(redis);
    const hostile = [
      ['eu/-west', 'A:1'],
      ["it's ^ok?", 'x*[y]-z'],
      ['a//b', '//'],
      ['-', '{x}'],
      ['ü ✓ 😀', 'sp ace\ttab'],
      ['a&#58;b', '{&#58'],
      ['back\\slash', '100%;'],
      ['new\nline', ':::'],
    ];
    const base = { qty: 1, total: 1.5, placed: new Date('2024-01-01T00:00:00Z') };
    for (const [i, [zone, code]] of hostile.entries()) {
      if (i % 2 === 0) await Order.create({ ...base, zone: zone!, code: code!, due: new Date('2024-01-01T00:00:00Z') });
      else await python.create('Order', { ...base, zone, code, due: py.date('2024-01-01') });
    }
    for (const [zone, code] of hostile as [string, string][]) {
      const fromPython = await python.get('Order', { zone, code });
      expect(fromPython?.values).toMatchObject({ zone, code });
      expect((await python.filter('Order', { zone })).map((r) => r.values.code)).toEqual([code]);
      expect((await python.filter('Order', { code })).map((r) => r.values.zone)).toEqual([zone]);
      const ours = await Order.query.get({ zone, code });
      expect(ours).toMatchObject({ zone, code });
      expect((await Order.query.filter({ zone })).map((o) => o.code)).toEqual([code]);
      expect((await Order.query.filter({ code })).map((o) => o.zone)).toEqual([zone]);
      expect((await Order.query.filter({ zone__startswith: zone.slice(0, 2) })).map((o) => o.code)).toContain(code);
      expect((await Order.query.keys({ zone, code }))[0]).toBe(fromPython!.key);
    }
    expect(await python.count('Order')).toBe(hostile.length);
    expect(await Order.query.count()).toBe(hostile.length);
  });

  it('escapes and unescapes key parts exactly as Popoto DB_key.clean and unclean do (3000 random strings)', async () => {
    const { python } = interop();
    const values = randomKeyValues(3000, 8);
    const cleaned = await python.call<string[]>('clean', { values });
    expect(values.map(escapeKeyPart)).toEqual(cleaned);
    expect(cleaned.map(unescapeKeyPart)).toEqual(await python.call<string[]>('unclean', { values: cleaned }));
    expect(cleaned.map(unescapeKeyPart)).toEqual(values);
  });

  it('AutoKeyField: no index set from either side, and get, filter and delete by it work across', async () => {
    const { redis, python, dump } = interop();
    const { Ticket } = interopModels(redis);
    const ours = await Ticket.create({ queue: 'ops', rank: 1, body: 'from ts' });
    const theirs = fromPython((await python.create('Ticket', { queue: 'ops', rank: 2, body: 'from py' })).values) as {
      uid: string;
    };
    expect(ours.uid).toMatch(/^[0-9a-f]{32}$/);
    expect(theirs.uid).toMatch(/^[0-9a-f]{32}$/);
    expect(Object.keys(await dump()).filter((key) => key.includes('uid'))).toEqual([]);

    expect((await python.get('Ticket', { uid: ours.uid, queue: 'ops' }))?.values.body).toBe('from ts');
    expect((await python.filter('Ticket', { uid: ours.uid })).map((r) => r.values.body)).toEqual(['from ts']);
    expect((await Ticket.query.filter({ uid: theirs.uid })).map((t) => t.body)).toEqual(['from py']);
    expect((await Ticket.query.get({ uid: theirs.uid, queue: 'ops' }))?.rank).toBe(2);
    expect((await Ticket.query.filter({ queue: 'ops', order_by: 'rank' })).map((t) => t.body)).toEqual([
      'from ts',
      'from py',
    ]);

    // Each side deletes the other's record: nothing is left behind for either.
    expect(await python.delete('Ticket', `Ticket:ops:${ours.uid}`)).toBe(true);
    await (await Ticket.query.get({ uid: theirs.uid, queue: 'ops' }))!.delete();
    expect(await dump()).toEqual({});
  });
});
