// needs: local cluster
// What Popoto 0.8.3 requires of the layout and the values, checked without Python (the live
// checks against Python Popoto are in test/interop/): key order, AutoKeyField without an index
// set, the datetime form, limits Popoto enforces when it loads a record, and 64-bit ints.
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import {
  AutoKeyField,
  datetimeFromIso,
  defineModel,
  Field,
  KeyField,
  ModelValidationError,
  SortedField,
} from '../../src/models/index.js';
import { FIELD_TYPES } from '../../src/models/field-types.js';
import { encodeValue, decodeValue } from '../../src/models/codec.js';
import { scanAll, targets, useModelTarget } from '../helpers/redis.js';

describe.each(targets)('Popoto 0.8.3 layout rules on $name', ({ create }) => {
  const { base, k, setup } = useModelTarget(create);

  it('joins key parts in alphabetical order of the field names, whatever the declaration order', async () => {
    const { p, redis } = setup();
    const Order = defineModel(
      'Order',
      { zone: KeyField(), code: KeyField(), qty: SortedField({ type: 'int' }) },
      { redis },
    );
    await Order.create({ zone: 'eu/-west', code: 'A:1', qty: 3 });
    // Popoto: sorted(['zone', 'code']) = ['code', 'zone'].
    expect(new Set(await scanAll(base, `${p}*`))).toEqual(
      new Set(
        [
          'Order:A{&#58;}1:eu///-west',
          '$Class:Order',
          '$KeyF:Order:code:A{&#58;}1',
          '$KeyF:Order:zone:eu///-west',
          '$SortF:Order:qty',
        ].map((key) => p + k(key, 'Order')),
      ),
    );
    expect((await Order.query.get({ zone: 'eu/-west', code: 'A:1' }))?.qty).toBe(3);
    expect((await Order.query.filter({ zone__startswith: 'eu/' })).map((o) => o.code)).toEqual(['A:1']);
    expect((await Order.query.filter({ code: 'A:1' })).map((o) => o.zone)).toEqual(['eu/-west']);
  });

  it('writes no index set for an AutoKeyField, and still filters by it (alone and with other key fields)', async () => {
    const { p, redis } = setup();
    const Ticket = defineModel(
      'Ticket',
      { uid: AutoKeyField(), queue: KeyField(), rank: SortedField({ type: 'int' }) },
      { redis },
    );
    const a = await Ticket.create({ queue: 'ops', rank: 1 });
    const b = await Ticket.create({ queue: 'ops', rank: 2 });
    expect(await scanAll(base, `${p}*KeyF*uid*`)).toEqual([]);
    expect(new Set(await scanAll(base, `${p}*KeyF*`))).toEqual(new Set([p + k('$KeyF:Ticket:queue:ops', 'Ticket')]));
    // queue < uid: the key is Ticket:<queue>:<uid>.
    expect(await base.exists(p + k(`Ticket:ops:${a.uid}`, 'Ticket'))).toBe(1);
    expect((await Ticket.query.filter({ uid: a.uid })).map((t) => t.rank)).toEqual([1]);
    expect((await Ticket.query.filter({ uid: b.uid, queue: 'ops' })).map((t) => t.rank)).toEqual([2]);
    expect(await Ticket.query.filter({ uid: a.uid, queue: 'other' })).toEqual([]);
    expect(await Ticket.query.count({ uid: a.uid, rank__gte: 2 })).toBe(0);
    // Every key field by equality reads the one record key; other conditions still apply.
    expect(await Ticket.query.count({ uid: a.uid, queue: 'ops', queue__startswith: 'x' })).toBe(0);
    expect(await Ticket.query.count({ uid: a.uid, queue: 'ops', queue__startswith: 'o' })).toBe(1);
    expect((await Ticket.query.filter({ uid__startswith: b.uid.slice(0, 20) })).map((t) => t.uid)).toEqual([b.uid]);
    expect(await a.delete()).toBe(true);
    expect(await Ticket.query.filter({ uid: a.uid })).toEqual([]);

    const Note = defineModel('Note', { nid: AutoKeyField(), body: Field() }, { redis });
    const note = await Note.create({ body: 'hi' });
    expect((await Note.query.filter({ nid: note.nid })).map((n) => n.body)).toEqual(['hi']);
    expect(await Note.query.filter({ nid: 'f'.repeat(32) })).toEqual([]);
  });

  it('refuses an AutoKeyField value that is not 32 characters, as Popoto does', async () => {
    const { redis } = setup();
    const Note = defineModel('Note', { nid: AutoKeyField(), body: Field() }, { redis });
    await expect(Note.create({ nid: 'short', body: 'x' })).rejects.toThrow(
      new ModelValidationError('Note', 'nid', 'short', "32 characters long (Popoto's AutoKeyField length)"),
    );
    const given = await Note.create({ nid: 'a'.repeat(32), body: 'x' });
    expect((await Note.query.get({ nid: 'a'.repeat(32) }))?.body).toBe(given.body);
  });

  it('writes datetimes as Popoto 0.8.3 does and reads the ISO form too', async () => {
    const { p, redis } = setup();
    const Event = defineModel(
      'Event',
      { id: KeyField(), at: SortedField({ type: 'datetime' }), day: SortedField({ type: 'date', null: true }) },
      { redis },
    );
    const at = datetimeFromIso('2024-01-02T03:04:05.000006');
    await Event.create({ id: '1', at, day: new Date(Date.UTC(1993, 6, 14)) });
    const stored = await (redis as Redis).hgetallBuffer(k('Event:1', 'Event'));
    expect(decodeValue(stored.at!)).toEqual(at);
    expect(stored.at!.toString('latin1')).toContain('20240102T03:04:05.000006');
    expect(stored.day!.toString('latin1')).toContain('19930714');
    // CPython: datetime(2024, 1, 2, 3, 4, 5, 6).timestamp() == 1704164645.000006; date(1993, 7, 14).toordinal() == 727758.
    expect(await base.zscore(p + k('$SortF:Event:at', 'Event'), k('Event:1', 'Event'))).toBe('1704164645.000006');
    expect(await base.zscore(p + k('$SortF:Event:day', 'Event'), k('Event:1', 'Event'))).toBe('727758');
    expect((await Event.query.filter({ day__gte: new Date(Date.UTC(1993, 6, 14)) })).map((e) => e.id)).toEqual(['1']);
    expect(await Event.query.filter({ day__gt: new Date(Date.UTC(1993, 6, 14)) })).toEqual([]);

    // A record whose datetime was written in ISO form (earlier popoto-ts versions, later Popoto versions).
    const iso = Buffer.concat([
      Buffer.from([0x82, 0xac]),
      Buffer.from('__datetime__'),
      Buffer.from([0xc3, 0xac]),
      Buffer.from('as_encodable'),
      Buffer.from([0xba]),
      Buffer.from('2024-01-02T03:04:05.000006'),
    ]);
    await redis.hset(
      k('Event:2', 'Event'),
      'id',
      FIELD_TYPES.string.encode('2'),
      'at',
      iso,
      'day',
      Buffer.from([0xc0]),
    );
    const loaded = await Event.query.get({ id: '2' });
    expect(loaded?.at).toEqual(at);
    await loaded!.save();
    expect((await (redis as Redis).hgetallBuffer(k('Event:2', 'Event'))).at!.toString('hex')).toBe(
      stored.at!.toString('hex'),
    );
  });

  it('refuses key values containing {&#58;}, in saves and queries alike', async () => {
    const { redis } = setup();
    const Tag = defineModel('Tag', { name: KeyField() }, { redis });
    const expected = new ModelValidationError(
      'Tag',
      'name',
      'a{&#58;}b',
      "a key value without the text {&#58;} (Popoto's key layout stores ':' as that text, so it would read back as ':')",
    );
    await expect(Tag.create({ name: 'a{&#58;}b' })).rejects.toThrow(expected);
    await expect(Tag.query.get({ name: 'a{&#58;}b' })).rejects.toThrow(expected);
    await expect(Tag.query.filter({ name: 'a{&#58;}b' })).rejects.toThrow(expected);
    // Its pieces alone are fine.
    await Tag.create({ name: 'a{&#58b:' });
    expect((await Tag.query.get({ name: 'a{&#58b:' }))?.name).toBe('a{&#58b:');
  });

  it('enforces Popoto max_length: 1024 characters for string Fields, 128 for KeyFields, configurable', async () => {
    const { redis } = setup();
    const Post = defineModel(
      'Post',
      {
        slug: KeyField(),
        body: Field(),
        title: Field({ maxLength: 10 }),
        long: Field({ maxLength: 5000, null: true }),
      },
      { redis },
    );
    const ok = { slug: 's'.repeat(128), body: 'b'.repeat(1024), title: 't'.repeat(10) };
    await Post.create(ok);
    await expect(Post.create({ ...ok, body: 'b'.repeat(1025) })).rejects.toThrow(
      /^Post\.body must be at most 1024 characters \(maxLength; Popoto cannot load a longer value\), it has 1025, got/,
    );
    await expect(Post.create({ ...ok, slug: 's'.repeat(129) })).rejects.toThrow(/^Post\.slug must be at most 128/);
    await expect(Post.create({ ...ok, title: 't'.repeat(11) })).rejects.toThrow(/^Post\.title must be at most 10/);
    await Post.create({ ...ok, slug: 'long', long: 'l'.repeat(5000) });
    // Characters are code points, as Python's len() counts them: 1024 emoji are 2048 UTF-16 units.
    await Post.create({ ...ok, slug: 'emoji', body: '😀'.repeat(1024) });
    await expect(Post.create({ ...ok, slug: 'emoji', body: '😀'.repeat(1025) })).rejects.toBeInstanceOf(
      ModelValidationError,
    );
    expect(() => KeyField({ maxLength: 0 })).toThrow(
      new RangeError('KeyField maxLength must be an integer >= 1, got 0'),
    );
    expect(() => Field({ type: 'int', maxLength: 3 } as never)).toThrow(
      "Field maxLength applies to string fields only, not 'int'",
    );
  });

  it('reads ints beyond 2^53 exactly as bigints, refuses them in an int field, and writes them back as ints', async () => {
    const { redis } = setup();
    const Counter = defineModel(
      'Counter',
      {
        id: KeyField(),
        small: Field({ type: 'int', null: true }),
        big: Field({ type: 'bigint', null: true }),
        meta: Field({ type: 'object', null: true }),
      },
      { redis },
    );
    const huge = 2n ** 63n + 5n; // needs uint64
    const negative = -(2n ** 62n) - 3n;
    // What Python's msgpack writes for those ints: uint64 / int64.
    const uint64 = Buffer.from([0xcf, ...Buffer.from(huge.toString(16).padStart(16, '0'), 'hex')]);
    await redis.hset(
      k('Counter:py', 'Counter'),
      'id',
      FIELD_TYPES.string.encode('py'),
      'small',
      Buffer.from([0xc0]),
      'big',
      uint64,
      'meta',
      encodeValue({ n: negative, list: [huge, 1, 2 ** 40] }),
    );
    const loaded = await Counter.query.get({ id: 'py' });
    expect(loaded?.big).toBe(huge);
    expect(loaded?.meta).toEqual({ n: negative, list: [huge, 1, 2 ** 40] });
    await loaded!.save();
    const stored = await (redis as Redis).hgetallBuffer(k('Counter:py', 'Counter'));
    expect(stored.big!.toString('hex')).toBe(uint64.toString('hex'));
    expect(decodeValue(stored.meta!)).toEqual({ n: negative, list: [huge, 1, 2 ** 40] });

    // 2^53 itself is exact as a number, and stays an int.
    expect(FIELD_TYPES.object.encode({ n: 2 ** 53 }).toString('hex')).toBe(
      encodeValue({ n: 2n ** 53n }).toString('hex'),
    );

    await redis.hset(k('Counter:py', 'Counter'), 'small', uint64);
    await expect(Counter.query.get({ id: 'py' })).rejects.toThrow(
      `Counter.small must be a safe integer: the stored int is beyond 2^53 and would be rounded; declare the field { type: 'bigint' } to read it exactly (record ${k('Counter:py', 'Counter')}), got 9223372036854775813n`,
    );
    // The same through a batch read and a projection, which decode the reply value by value: the
    // error is the field's own, with nothing the MessagePack decoder would have added to it.
    for (const reading of [Counter.query.getMany([{ id: 'py' }]), Counter.query.all({ values: ['id', 'small'] })]) {
      const error = await reading.then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(ModelValidationError);
      expect(Object.keys(error as object)).not.toContain('lastPosition');
      expect((error as Error).message).toMatch(/^Counter\.small must be a safe integer/);
    }
    await expect(Counter.create({ id: 'x', big: 2n ** 64n })).rejects.toThrow(
      new ModelValidationError('Counter', 'big', 2n ** 64n, 'a bigint from -2^63 to 2^64-1'),
    );
    await expect(Counter.create({ id: 'x', meta: { n: -(2n ** 63n) - 1n } })).rejects.toThrow(
      /^Counter\.meta must be storable: -9223372036854775809n does not fit 64 bits/,
    );
  });
});
