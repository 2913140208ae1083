// Live interop: a record's life across the two sides — TTL, delete, and a key field changed
// and saved (the record moves) — checked by what the other side sees and by the raw keys left.
import { describe, expect, it } from 'vitest';
import { drainBackgroundTasks } from '../../src/concurrency/index.js';
import { sleep } from '../helpers/async.js';
import { useInterop } from './harness.js';
import { interopModels } from './models.js';
import { py } from './python-peer.js';

const interop = useInterop();

const ORDER = { zone: 'eu/-west', code: 'A:1', qty: 2, total: 3.5, placed: new Date('2024-05-06T07:08:09.123Z') };
const forTs = { ...ORDER, due: new Date('2024-05-10T00:00:00Z'), tags: ['x'] };
const forPython = { ...ORDER, due: py.date('2024-05-10'), tags: ['x'] };
const KEY = 'Order:A{&#58;}1:eu///-west';

/** Waits until Redis has expired `key` (polling, so a slow machine waits longer rather than failing). */
async function expired(redis: { exists(key: string): Promise<number> }, key: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await redis.exists(key)) === 1) {
    if (Date.now() > deadline) throw new Error(`${key} did not expire`);
    await sleep(25);
  }
}

describe('Python Popoto 0.8.3 and popoto-ts on one Redis: TTL, delete, key changes (live)', () => {
  it('a TTL set by popoto-ts holds for Python: the record is there, then gone from get and all', async () => {
    const { redis, python } = interop();
    const { Order } = interopModels(redis);
    await Order.create(forTs, { expire: 1 });
    expect(await redis.pttl(KEY)).toBeGreaterThan(0);
    expect((await python.get('Order', { zone: ORDER.zone, code: ORDER.code }))?.key).toBe(KEY);
    expect(await python.count('Order')).toBe(1);
    await expired(redis, KEY);
    expect(await python.get('Order', { zone: ORDER.zone, code: ORDER.code })).toBeNull();
    expect(await python.all('Order')).toEqual([]);
    expect(await python.filter('Order', { zone: ORDER.zone })).toEqual([]);
    // Known limit (Popoto's): its count() is SCARD of the class set, which still holds the key...
    expect(await python.count('Order')).toBe(1);
    // ...until popoto-ts, which counts only records that exist, removes the stale entries.
    expect(await Order.query.count()).toBe(0);
    await drainBackgroundTasks();
    expect(await python.count('Order')).toBe(0);
  });

  it('a TTL set on a Python record holds for popoto-ts, which then cleans the index entries it left', async () => {
    const { redis, python, dump } = interop();
    const { Order } = interopModels(redis);
    await python.create('Order', forPython);
    await python.create('Order', { ...forPython, code: 'keep' });
    // Popoto 0.8.3's save() takes no TTL: a Python service sets it on the hash with Redis.
    expect(await python.expire(KEY, 1000)).toBe(true);
    expect((await Order.query.get({ zone: ORDER.zone, code: ORDER.code }))?.qty).toBe(2);
    await expired(redis, KEY);
    expect(await Order.query.get({ zone: ORDER.zone, code: ORDER.code })).toBeNull();
    expect((await Order.query.all()).map((o) => o.code)).toEqual(['keep']);
    expect(await Order.query.count({ zone: ORDER.zone })).toBe(1);
    await drainBackgroundTasks();
    expect(Object.keys(await dump()).filter((key) => key.includes('A{&#58;}1'))).toEqual([]);
    expect(await python.count('Order')).toBe(1);
  });

  it('a delete from either side leaves nothing the other side sees, and no key behind', async () => {
    const { redis, python, dump } = interop();
    const { Order } = interopModels(redis);
    await Order.create(forTs);
    expect(await python.delete('Order', KEY)).toBe(true);
    expect(await dump()).toEqual({});
    expect(await Order.query.get({ zone: ORDER.zone, code: ORDER.code })).toBeNull();
    expect(await Order.query.filter({ zone: ORDER.zone })).toEqual([]);
    expect(await Order.query.count()).toBe(0);

    await python.create('Order', forPython);
    const loaded = await Order.query.get({ zone: ORDER.zone, code: ORDER.code });
    expect(await loaded!.delete()).toBe(true);
    expect(await dump()).toEqual({});
    expect(await python.get('Order', { zone: ORDER.zone, code: ORDER.code })).toBeNull();
    expect(await python.filter('Order', { zone: ORDER.zone })).toEqual([]);
    expect(await python.count('Order')).toBe(0);
    expect(await python.keys('Order')).toEqual([]);
  });

  it('popoto-ts moves a Python record when a key field changes: the Redis then holds what Python would have written fresh', async () => {
    const { redis, python, dump } = interop();
    const { Order } = interopModels(redis);
    await python.create('Order', { ...forPython, zone: 'new-zone' });
    const fresh = await dump();
    await redis.unlink(...Object.keys(fresh));

    await python.create('Order', forPython);
    await python.create('Order', { ...forPython, code: 'other' }); // shares the zone set
    const order = await Order.query.get({ zone: ORDER.zone, code: ORDER.code });
    order!.zone = 'new-zone';
    await order!.save();
    await (await Order.query.get({ zone: ORDER.zone, code: 'other' }))!.delete();
    expect(await dump()).toEqual(fresh);
    expect(await python.get('Order', { zone: ORDER.zone, code: ORDER.code })).toBeNull();
    expect((await python.get('Order', { zone: 'new-zone', code: ORDER.code }))?.values.qty).toBe(2);
    expect((await python.filter('Order', { zone: 'new-zone' })).map((r) => r.key)).toEqual([
      'Order:A{&#58;}1:new/-zone',
    ]);
    expect(await python.filter('Order', { zone: ORDER.zone })).toEqual([]);
  });

  it('Python moves a popoto-ts record when a key field changes: popoto-ts finds it at its new key and ignores, then cleans, what Popoto leaves behind', async () => {
    const { redis, python, dump } = interop();
    const { Order } = interopModels(redis);
    await Order.create({ ...forTs, code: 'B:2' });
    const fresh = await dump();
    await redis.unlink(...Object.keys(fresh));

    await Order.create(forTs);
    const moved = await python.update('Order', KEY, { code: 'B:2' });
    expect(moved.key).toBe('Order:B{&#58;}2:eu///-west');
    // Known limit (Popoto's): its save of a moved record deletes the old hash but removes the
    // old index entries under the new key, so the old key stays in the class, key-field and sorted sets.
    expect((await redis.smembers('$Class:Order')).sort()).toEqual([KEY, moved.key]);
    expect(await redis.smembers('$KeyF:Order:code:A{&#58;}1')).toEqual([KEY]);

    expect(await Order.query.get({ zone: ORDER.zone, code: ORDER.code })).toBeNull();
    expect((await Order.query.get({ zone: ORDER.zone, code: 'B:2' }))?.qty).toBe(2);
    expect((await Order.query.filter({ zone: ORDER.zone })).map((o) => o.code)).toEqual(['B:2']);
    expect((await Order.query.filter({ qty__gte: 0 })).map((o) => o.code)).toEqual(['B:2']);
    expect(await Order.query.filter({ code: ORDER.code })).toEqual([]);
    expect(await Order.query.count()).toBe(1);
    await drainBackgroundTasks();
    expect(await dump()).toEqual(fresh);
  });
});
