// Live interop: the limits. What popoto-ts refuses because Python Popoto could not load or
// round-trip it (with Popoto's own behaviour as the evidence), 64-bit ints both ways, and the
// known limits docs/models.md lists, each shown here as it happens.
import { describe, expect, it } from 'vitest';
import { defineModel, ModelValidationError, SortedField } from '../../src/models/index.js';
import { FIELD_TYPES } from '../../src/models/field-types.js';
import { useInterop } from './harness.js';
import { interopModels } from './models.js';
import { py } from './python-peer.js';

const interop = useInterop();

const BASE = { qty: 1, total: 2.5, placed: new Date('2024-01-01T00:00:00Z') };
const TS_ORDER = { ...BASE, zone: 'eu', code: 'c1', due: new Date('2024-01-01T00:00:00Z') };
const PY_ORDER = { ...BASE, zone: 'eu', code: 'c1', due: py.date('2024-01-01') };

describe('Python Popoto 0.8.3 and popoto-ts on one Redis: limits (live)', () => {
  it('refuses strings Popoto cannot load (maxLength 1024 / 128), and a larger maxLength declared on both sides works', async () => {
    const { redis, python } = interop();
    const { Order, Note } = interopModels(redis);
    await expect(Order.create({ ...TS_ORDER, note: 'n'.repeat(1025) })).rejects.toBeInstanceOf(ModelValidationError);
    await expect(Order.create({ ...TS_ORDER, zone: 'z'.repeat(129) })).rejects.toBeInstanceOf(ModelValidationError);
    // The evidence: such records (written here byte for byte as Popoto would) are refused by Popoto itself.
    await Order.create({ ...TS_ORDER, note: 'n'.repeat(1024) });
    expect((await python.get('Order', { zone: 'eu', code: 'c1' }))?.values.note).toBe('n'.repeat(1024));
    await redis.hset('Order:c1:eu', 'note', FIELD_TYPES.string.encode('n'.repeat(1025)));
    await expect(python.get('Order', { zone: 'eu', code: 'c1' })).rejects.toThrow(
      /ModelException: Could not instantiate/,
    );
    const longKey = { ...TS_ORDER, zone: 'z'.repeat(128) };
    await Order.create(longKey);
    await redis.rename(`Order:c1:${'z'.repeat(128)}`, `Order:c1:${'z'.repeat(129)}`);
    await redis.hset(`Order:c1:${'z'.repeat(129)}`, 'zone', FIELD_TYPES.string.encode('z'.repeat(129)));
    await expect(python.getKey('Order', `Order:c1:${'z'.repeat(129)}`)).rejects.toThrow(/ModelException/);

    // Note.text is declared with max_length=2000 in Python and maxLength: 2000 here.
    const note = await Note.create({ text: '✓'.repeat(2000) });
    expect((await python.filter('Note', { nid: note.nid }))[0]?.values.text).toBe('✓'.repeat(2000));
    await expect(Note.create({ text: '✓'.repeat(2001) })).rejects.toBeInstanceOf(ModelValidationError);
  });

  it('refuses {&#58;} inside a key value: in Popoto it reads back as ":", and two values collide on one key', async () => {
    const { redis, python } = interop();
    const { Order } = interopModels(redis);
    await expect(Order.create({ ...TS_ORDER, zone: 'a{&#58;}b' })).rejects.toThrow(ModelValidationError);
    // The evidence, from Popoto itself:
    expect(await python.call('unclean', { values: await python.call('clean', { values: ['a{&#58;}b'] }) })).toEqual([
      'a:b',
    ]);
    await python.create('Order', { ...PY_ORDER, zone: 'a:b', qty: 1 });
    await python.create('Order', { ...PY_ORDER, zone: 'a{&#58;}b', qty: 2 });
    expect(await python.keys('Order')).toEqual(['Order:c1:a{&#58;}b']);
    expect((await python.get('Order', { zone: 'a:b', code: 'c1' }))?.values.zone).toBe('a{&#58;}b');
  });

  it('reads Python ints beyond 2^53 exactly (bigint), refuses them in an int field, and saves them back unchanged', async () => {
    const { redis, python } = interop();
    const { Order } = interopModels(redis);
    const big = 2n ** 53n + 1n;
    await python.create('Order', {
      ...PY_ORDER,
      views: 2n ** 64n - 1n,
      meta: { big, neg: -(2n ** 63n), list: [big, 1, 2 ** 40] },
      tags: [big],
    });
    const order = await Order.query.get({ zone: 'eu', code: 'c1' });
    expect(order?.views).toBe(2n ** 64n - 1n);
    expect(order?.meta).toEqual({ big, neg: -(2n ** 63n), list: [big, 1, 2 ** 40] });
    expect(order?.tags).toEqual([big]);
    order!.note = 'saved by popoto-ts';
    await order!.save();
    expect((await python.get('Order', { zone: 'eu', code: 'c1' }))?.repr).toMatchObject({
      views: '18446744073709551615',
      meta: "{'big': 9007199254740993, 'neg': -9223372036854775808, 'list': [9007199254740993, 1, 1099511627776]}",
      tags: '[9007199254740993]',
      note: "'saved by popoto-ts'",
    });

    // `count` is an 'int' field here: a Python int there beyond 2^53 is refused, not rounded.
    await python.update('Order', 'Order:c1:eu', { count: big });
    await expect(Order.query.get({ zone: 'eu', code: 'c1' })).rejects.toThrow(
      "Order.count must be a safe integer: the stored int is beyond 2^53 and would be rounded; declare the field { type: 'bigint' } to read it exactly (record Order:c1:eu), got 9007199254740993n",
    );
  });

  it('known limit: integral floats inside lists and dicts come back from a popoto-ts save as ints', async () => {
    const { redis, python } = interop();
    const { Order } = interopModels(redis);
    await python.create('Order', { ...PY_ORDER, tags: [py.float(1), 2.5], meta: { x: py.float(3) } });
    expect((await python.get('Order', { zone: 'eu', code: 'c1' }))?.repr).toMatchObject({
      tags: '[1.0, 2.5]',
      meta: "{'x': 3.0}",
    });
    await (await Order.query.get({ zone: 'eu', code: 'c1' }))!.save();
    expect((await python.get('Order', { zone: 'eu', code: 'c1' }))?.repr).toMatchObject({
      tags: '[1, 2.5]',
      meta: "{'x': 3}",
    });
  });

  it('known limit: dict keys that look like integers come back first, in ascending order', async () => {
    const { redis, python } = interop();
    const { Order } = interopModels(redis);
    // (Non-string keys cannot occur: Popoto's msgpack refuses to load an int map key itself.)
    await python.create('Order', { ...PY_ORDER, meta: py.dict(['b', 1], ['2', 2], ['1', 3]) });
    expect((await python.get('Order', { zone: 'eu', code: 'c1' }))?.repr.meta).toBe("{'b': 1, '2': 2, '1': 3}");
    await (await Order.query.get({ zone: 'eu', code: 'c1' }))!.save();
    expect((await python.get('Order', { zone: 'eu', code: 'c1' }))?.repr.meta).toBe("{'1': 3, '2': 2, 'b': 1}");
  });

  it("known limit: a Date inside a list or dict reaches Python as Popoto's wrapper dict (Popoto decodes wrappers at the top level only)", async () => {
    const { redis, python } = interop();
    const { Order } = interopModels(redis);
    await Order.create({ ...TS_ORDER, tags: [new Date('2024-01-02T03:04:05Z')] });
    expect((await python.get('Order', { zone: 'eu', code: 'c1' }))?.repr.tags).toBe(
      "[{'__datetime__': True, 'as_encodable': '20240102T03:04:05.000000'}]",
    );
    // popoto-ts reads it back as the Date.
    expect((await Order.query.get({ zone: 'eu', code: 'c1' }))?.tags).toEqual([new Date('2024-01-02T03:04:05Z')]);
  });

  it('known limit: a nested positive int of 2^32 or more is written as int64 where Python writes uint64 (same value both sides)', async () => {
    const { redis, python } = interop();
    const { Order } = interopModels(redis);
    await python.create('Order', { ...PY_ORDER, tags: [2 ** 40] });
    const byPython = await redis.hgetBuffer('Order:c1:eu', 'tags');
    await (await Order.query.get({ zone: 'eu', code: 'c1' }))!.save();
    const byTs = await redis.hgetBuffer('Order:c1:eu', 'tags');
    expect(byPython!.toString('hex')).toBe('91cf0000010000000000');
    expect(byTs!.toString('hex')).toBe('91d30000010000000000');
    expect((await python.get('Order', { zone: 'eu', code: 'c1' }))?.repr.tags).toBe('[1099511627776]');
  });

  it("known limit (Popoto's): __startswith on a key field misses values with glob characters such as '['; popoto-ts finds them", async () => {
    const { redis, python } = interop();
    const { Order } = interopModels(redis);
    await Order.create({ ...TS_ORDER, zone: 'a[b' });
    expect(await python.filter('Order', { zone__startswith: 'a[' })).toEqual([]);
    expect((await python.filter('Order', { zone: 'a[b' })).map((r) => r.values.zone)).toEqual(['a[b']);
    expect((await Order.query.filter({ zone__startswith: 'a[' })).map((o) => o.zone)).toEqual(['a[b']);
  });

  it("known limit (Popoto's): a null SortedField, which popoto-ts allows, keeps the record out of Popoto's range filters and Popoto cannot save it", async () => {
    const { redis, python } = interop();
    const { Ticket } = interopModels(redis);
    const NullableTicket = defineModel(
      'Ticket',
      { ...Ticket.fields, rank: SortedField({ type: 'int', null: true }) },
      { redis },
    );
    const ticket = await NullableTicket.create({ queue: 'ops', rank: null });
    expect((await python.filter('Ticket', { uid: ticket.uid }))[0]?.repr.rank).toBe('None');
    expect(await python.filter('Ticket', { rank__gte: -1000 })).toEqual([]);
    await expect(python.update('Ticket', `Ticket:ops:${ticket.uid}`, { body: 'x' })).rejects.toThrow(/ModelException/);
  });
});
