// Live interop: the bytes, time, set and tuple fields (Popoto's wrappers, byte for byte),
// DatetimeField's auto_now and auto_now_add, and a DataFrameField, which popoto-ts refuses to
// read with a clear error (and ignores when the model does not declare it).
import { describe, expect, it } from 'vitest';
import { datetimeFromIso, defineModel, Field, KeyField, ModelValidationError } from '../../src/models/index.js';
import { useInterop } from './harness.js';
import { interopModels } from './models.js';

const interop = useInterop();

const GADGET = {
  gid: 'g1',
  blob: Buffer.from([0, 1, 254, 255]),
  at: '03:04:05.000006',
  tags: new Set([1, 2, 3]),
  pair: [1, 'two', 2.5, null],
};
const GADGET_FOR_PYTHON = {
  gid: 'g1',
  blob: { $bytes: '0001feff' },
  at: { $time: '03:04:05.000006' },
  tags: { $set: [1, 2, 3] },
  pair: { $tuple: [1, 'two', 2.5, null] },
};

describe('Python Popoto 0.8.3 and popoto-ts on one Redis: bytes, time, set, tuple, auto_now (live)', () => {
  it('bytes, time, set and tuple: the same bytes from each side, and each side reads the other’s values', async () => {
    const { redis, python, dump } = interop();
    const { Gadget } = interopModels(redis);
    await python.create('Gadget', GADGET_FOR_PYTHON);
    const byPython = await dump();
    await redis.unlink(...Object.keys(byPython));
    await Gadget.create(GADGET);
    const byTs = await dump();
    // auto_now and auto_now_add hold the time of each save: compared apart, below.
    const withoutTimes = (raw: typeof byTs) => {
      const hash = { ...(raw['Gadget:g1']!.value as Record<string, string>) };
      delete hash.created;
      delete hash.updated;
      return { ...raw, 'Gadget:g1': { ...raw['Gadget:g1']!, value: hash } };
    };
    expect(withoutTimes(byTs)).toEqual(withoutTimes(byPython));
    const read = (await Gadget.query.get({ gid: 'g1' }))!;
    expect(read.blob).toEqual(GADGET.blob);
    expect([read.at, [...read.tags!], read.pair]).toEqual([GADGET.at, [1, 2, 3], GADGET.pair]);
    const seen = (await python.get('Gadget', { gid: 'g1' }))!;
    expect(seen.repr).toMatchObject({
      blob: "b'\\x00\\x01\\xfe\\xff'",
      at: 'datetime.time(3, 4, 5, 6)',
      tags: '{1, 2, 3}',
      pair: "(1, 'two', 2.5, None)",
    });
    // Nulls, and a value Popoto cannot hold: refused before anything is written.
    await Gadget.create({ gid: 'g2', blob: null, at: null, tags: null, pair: null });
    expect((await python.get('Gadget', { gid: 'g2' }))!.repr).toMatchObject({ blob: 'None', tags: 'None' });
    await expect(Gadget.create({ gid: 'g3', at: '3:04:05' })).rejects.toThrow(ModelValidationError);
    expect(await redis.exists('Gadget:g3')).toBe(0);
  });

  it('a time key field: the key holds Python’s str() of the time (no zero fraction), the same bytes from each side', async () => {
    const { redis, python, dump } = interop();
    const { Shift } = interopModels(redis);
    await python.create('Shift', { at: { $time: '03:04:05.000000' }, note: 'whole' });
    await python.create('Shift', { at: { $time: '23:59:59.000001' }, note: 'fraction' });
    const byPython = await dump();
    await redis.unlink(...Object.keys(byPython));
    await Shift.create({ at: '03:04:05.000000', note: 'whole' });
    await Shift.create({ at: '23:59:59.000001', note: 'fraction' });
    expect(await dump()).toEqual(byPython);
    expect(await Shift.query.keys()).toEqual(
      expect.arrayContaining(['Shift:03{&#58;}04{&#58;}05', 'Shift:23{&#58;}59{&#58;}59.000001']),
    );
    expect((await Shift.query.get({ at: '03:04:05.000000' }))?.note).toBe('whole');
    expect((await python.get('Shift', { at: { $time: '23:59:59.000001' } }))?.values.note).toBe('fraction');
  });

  it('auto_now on every save, auto_now_add on the first only; a popoto-ts re-save keeps Python’s to the microsecond', async () => {
    const { redis, python } = interop();
    const { Gadget } = interopModels(redis);
    const made = await python.create('Gadget', { gid: 'p' });
    const createdByPython = made.values.created as { $datetime: string };
    const before = await redis.hget('Gadget:p', 'created');
    const loaded = (await Gadget.query.get({ gid: 'p' }))!;
    expect(loaded.created).toEqual(datetimeFromIso(createdByPython.$datetime));
    const start = Date.now();
    await loaded.save();
    expect(await redis.hget('Gadget:p', 'created')).toBe(before);
    expect(loaded.updated.getTime()).toBeGreaterThanOrEqual(start);
    expect((await python.get('Gadget', { gid: 'p' }))!.values.created).toEqual(createdByPython);

    const mine = await Gadget.create({ gid: 't' });
    const first = mine.created;
    expect(mine.updated.getTime()).toBeGreaterThanOrEqual(start);
    const again = await python.update('Gadget', 'Gadget:t', { pair: { $tuple: [1] } });
    expect(datetimeFromIso((again.values.created as { $datetime: string }).$datetime)).toEqual(first);
    const reloaded = (await Gadget.query.get({ gid: 't' }))!;
    expect(reloaded.created).toEqual(first);
    expect(reloaded.pair).toEqual([1]);
  });

  it('a DataFrameField: not supported; a model that declares the field reads a clear error, one that does not reads the rest', async () => {
    const { redis, python } = interop();
    await python.create('Frame', { fid: 'f', frame: { $frame: [{ a: 1 }] }, note: 'kept' });
    const Frame = defineModel('Frame', { fid: KeyField(), note: Field({ null: true }) }, { redis });
    expect((await Frame.query.get({ fid: 'f' }))?.note).toBe('kept');
    const WithFrame = defineModel(
      'Frame',
      { fid: KeyField(), frame: Field({ type: 'object', null: true }) },
      { redis },
    );
    const error = await WithFrame.query.get({ fid: 'f' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelValidationError);
    expect((error as ModelValidationError).message).toMatch(
      /^Frame\.frame must be a value popoto-ts reads: it holds a pandas DataFrame \(Popoto's DataFrameField\), which popoto-ts does not support \(record Frame:f\), got \{ __dataframe__: true/,
    );
  });
});
