// Live interop: typed and nullable key fields. Popoto builds a record key from Python's str()
// of each key field value (escaped), and names each KeyField's index set by it; popoto-ts writes
// the same text, reads it back typed, and finds records by typed values, in both directions.
import { describe, expect, it } from 'vitest';
import { datetimeFromIso, ModelValidationError } from '../../src/models/index.js';
import { pythonDateStr, pythonDatetimeStr, pythonDecimalStr, pythonFloatStr } from '../../src/models/python-str.js';
import { useInterop } from './harness.js';
import { interopModels } from './models.js';
import { py, type PyRecord } from './python-peer.js';
// A small seeded generator (mulberry32), so a failure can be replayed: the soak's own.
import { seededRandom as mulberry32 } from '../../bench/soak/faults.js';

const interop = useInterop();

const day = (iso: string): Date => new Date(`${iso}T00:00:00Z`);

/** Typed records as popoto-ts holds them, and as Python creates them (JSON tags for what JSON lacks). */
const TYPED = [
  {
    ts: { i: -5, f: 1e16, b: true, d: day('2005-01-02'), dt: datetimeFromIso('2024-01-02T03:04:05.000006'), dec: '1E+2' },
    py: { i: -5, f: py.float(1e16), b: true, d: py.date('2005-01-02'), dt: { $datetime: '2024-01-02T03:04:05.000006' }, dec: py.decimal('1E+2') },
    key: 'Typed:True:2005/-01/-02:1E+2:2024/-01/-02 03{&#58;}04{&#58;}05.000006:1e+16:/-5',
  },
  {
    ts: { i: 7, f: 0.0001, b: false, d: day('2024-01-02'), dt: datetimeFromIso('2024-01-02T03:04:05'), dec: '-1E-7' },
    py: { i: 7, f: py.float(0.0001), b: false, d: py.date('2024-01-02'), dt: { $datetime: '2024-01-02T03:04:05' }, dec: py.decimal('-1E-7') },
    key: 'Typed:False:2024/-01/-02:/-1E/-7:2024/-01/-02 03{&#58;}04{&#58;}05:0.0001:7',
  },
  {
    ts: { i: 0, f: -0, b: true, d: day('1999-12-31'), dt: datetimeFromIso('1999-12-31T23:59:59.999999'), dec: '0.000001' },
    py: { i: 0, f: { $float: '-0.0' }, b: true, d: py.date('1999-12-31'), dt: { $datetime: '1999-12-31T23:59:59.999999' }, dec: py.decimal('0.000001') },
    key: 'Typed:True:1999/-12/-31:0.000001:1999/-12/-31 23{&#58;}59{&#58;}59.999999:/-0.0:0',
  },
]; // prettier-ignore

const keysOf = (records: PyRecord[]): string[] => records.map((r) => r.key).sort();

describe('Python Popoto 0.8.3 and popoto-ts on one Redis: typed and nullable key fields (live)', () => {
  it('typed key fields: the same records written by each side are the same bytes (key = Python str() of each value)', async () => {
    const { redis, python, dump } = interop();
    const { Typed } = interopModels(redis);
    for (const { py: values } of TYPED) await python.create('Typed', { ...values, note: 'n' });
    const byPython = await dump();
    await redis.unlink(...Object.keys(byPython));
    for (const { ts } of TYPED) await Typed.create({ ...ts, note: 'n' });
    const byTs = await dump();
    expect(byTs).toEqual(byPython);
    expect(Object.keys(byTs).filter((key) => key.startsWith('Typed:'))).toEqual(TYPED.map((t) => t.key).sort());
    expect(Object.keys(byTs)).toContain('$KeyF:Typed:dt:2024/-01/-02 03{&#58;}04{&#58;}05.000006');
    expect(Object.keys(byTs)).toContain('$KeyF:Typed:f:1e+16');
    expect(Object.keys(byTs)).toContain('$KeyF:Typed:b:True');
  });

  it('popoto-ts gets and filters Python records by typed key values, and reads them back typed', async () => {
    const { redis, python } = interop();
    const { Typed } = interopModels(redis);
    for (const { py: values } of TYPED) await python.create('Typed', { ...values, note: 'from py' });
    for (const { ts, key } of TYPED) {
      const found = await Typed.query.get(ts);
      expect(found?.toJSON()).toEqual({ ...ts, note: 'from py' });
      expect(Object.is(found?.f, ts.f)).toBe(true); // -0 stays -0
      expect(await Typed.query.keys(ts)).toEqual([key]);
      expect(Typed.parseKey(key)).toEqual(ts);
    }
    const keys = (params: Parameters<typeof Typed.query.keys>[0]) => Typed.query.keys(params).then((k) => k.sort());
    expect(await keys({ b: true })).toEqual([TYPED[0]!.key, TYPED[2]!.key].sort());
    expect(await keys({ i__in: [7, -5, 99] })).toEqual([TYPED[0]!.key, TYPED[1]!.key].sort());
    // A decimal is found by its value, whatever its spelling: the key holds Python's str() of it.
    expect(await keys({ dec: '1e2' })).toEqual([TYPED[0]!.key]);
    expect(await keys({ dec: '100' })).toEqual([]); // Decimal('100') == Decimal('1E+2'), but str() differs: another key
    expect(await keys({ dt: datetimeFromIso('2024-01-02T03:04:05') })).toEqual([TYPED[1]!.key]);
    expect(await keys({ d__in: [day('1999-12-31'), day('2005-01-02')], b: true })).toEqual(
      [TYPED[0]!.key, TYPED[2]!.key].sort(),
    );
    expect(await keys({ f__endswith: 'e+16' })).toEqual([TYPED[0]!.key]);
    expect(await keys({ dt__startswith: '2024-01-02 03:04' })).toEqual([TYPED[0]!.key, TYPED[1]!.key].sort());
    expect(await Typed.query.count({ i__in: [0, 7] })).toBe(2);
  });

  it('Python gets and filters popoto-ts records by typed key values, with its own types', async () => {
    const { redis, python } = interop();
    const { Typed } = interopModels(redis);
    for (const { ts } of TYPED) await Typed.create({ ...ts, note: 'from ts' });
    for (const { py: values, key } of TYPED) {
      const found = await python.get('Typed', values);
      expect(found?.key).toBe(key);
      expect(found?.values.note).toBe('from ts');
    }
    expect((await python.get('Typed', TYPED[0]!.py))?.repr).toMatchObject({
      i: '-5',
      f: '1e+16',
      b: 'True',
      d: 'datetime.date(2005, 1, 2)',
      dt: 'datetime.datetime(2024, 1, 2, 3, 4, 5, 6)',
      dec: "Decimal('1E+2')",
    });
    expect(keysOf(await python.filter('Typed', { b: true }))).toEqual([TYPED[0]!.key, TYPED[2]!.key].sort());
    expect(keysOf(await python.filter('Typed', { i__in: [7, -5, 99] }))).toEqual([TYPED[0]!.key, TYPED[1]!.key].sort());
    expect(keysOf(await python.filter('Typed', { dec: py.decimal('1e2') }))).toEqual([TYPED[0]!.key]);
    expect(await python.count('Typed', { i__in: [0, 7] })).toBe(2);
  });

  it("writes Python's str() of floats, decimals, dates and datetimes exactly (3000 random values each)", async () => {
    const { python } = interop();
    const random = mulberry32(15);
    const floats = Array.from({ length: 3000 }, () => randomDouble(random));
    expect(floats.map(pythonFloatStr)).toEqual(
      await python.call('str', { values: floats.map((f) => ({ $float: Object.is(f, -0) ? '-0.0' : String(f) })) }),
    );
    const decimals = Array.from({ length: 3000 }, () => randomDecimal(random));
    expect(decimals.map(pythonDecimalStr)).toEqual(
      await python.call('str', { values: decimals.map((d) => py.decimal(d)) }),
    );
    const dates = Array.from({ length: 3000 }, () => randomDatetime(random));
    expect(dates.map(pythonDatetimeStr)).toEqual(await python.call('str', { values: dates }));
    expect(dates.map(pythonDateStr)).toEqual(
      await python.call('str', { values: dates.map((d) => py.date(pythonDateStr(d))) }),
    );
  });

  it('an int key beyond 2^53 (a bigint KeyField) is the same key and bytes on both sides', async () => {
    const { redis, python, dump } = interop();
    const { Snow } = interopModels(redis);
    const sid = 2n ** 63n - 1n;
    await python.create('Snow', { sid, body: 'b' });
    const byPython = await dump();
    await redis.unlink(...Object.keys(byPython));
    await Snow.create({ sid, body: 'b' });
    expect(await dump()).toEqual(byPython);
    expect(Object.keys(byPython)).toContain('Snow:9223372036854775807');
    expect((await Snow.query.get({ sid }))?.sid).toBe(sid);
    expect((await python.get('Snow', { sid }))?.repr.sid).toBe('9223372036854775807');
    expect((await Snow.query.filter({ sid__in: [sid, 5n] })).map((s) => s.sid)).toEqual([sid]);
  });

  it("a nullable key field: null is written and read as Popoto's None, and __isnull answers as in Popoto", async () => {
    const { redis, python, dump } = interop();
    const { Slot } = interopModels(redis);
    const slots = [
      { zone: null, code: 'c1', n: 1 },
      { zone: 'eu', code: 'c2', n: 2 },
      { zone: 'x', code: 'c3', n: 3 },
    ];
    for (const slot of slots) await python.create('Slot', slot);
    const byPython = await dump();
    await redis.unlink(...Object.keys(byPython));
    for (const slot of slots) await Slot.create(slot);
    expect(await dump()).toEqual(byPython);
    expect(Object.keys(byPython)).toEqual(
      expect.arrayContaining(['Slot:c1:None', '$KeyF:Slot:zone:None', 'Slot:c2:eu', '$KeyF:Slot:zone:eu']),
    );

    // Written by popoto-ts, read by Python; then the other way round.
    expect((await python.get('Slot', { zone: null, code: 'c1' }))?.repr.zone).toBe('None');
    expect(keysOf(await python.filter('Slot', { zone__isnull: true }))).toEqual(['Slot:c1:None']);
    await redis.unlink(...Object.keys(byPython));
    for (const slot of slots) await python.create('Slot', slot);
    expect((await Slot.query.get({ zone: null, code: 'c1' }))?.toJSON()).toEqual(slots[0]);
    expect(Slot.parseKey('Slot:c1:None')).toEqual({ zone: null, code: 'c1' });
    expect(await Slot.query.keys({ zone__isnull: true })).toEqual(['Slot:c1:None']);
    expect(await Slot.query.keys({ zone: null })).toEqual(['Slot:c1:None']);
    expect((await Slot.query.keys({ zone__in: [null, 'eu'] })).sort()).toEqual(['Slot:c1:None', 'Slot:c2:eu']);
    expect(keysOf(await python.filter('Slot', { zone__in: [null, 'eu'] }))).toEqual(['Slot:c1:None', 'Slot:c2:eu']);

    // __isnull: false. popoto-ts returns the records whose value is not null; Popoto 0.8.3's
    // KEYS glob `[^None]` matches one-character values only (the documented difference).
    expect((await Slot.query.keys({ zone__isnull: false })).sort()).toEqual(['Slot:c2:eu', 'Slot:c3:x']);
    expect(keysOf(await python.filter('Slot', { zone__isnull: false }))).toEqual(['Slot:c3:x']);
    expect(await Slot.query.count({ zone__isnull: false, code__in: ['c1', 'c2'] })).toBe(1);
  });

  it('lookups Popoto 0.8.3 accepts but cannot answer: __contains (always []) is refused, an empty __in (a TypeError there) matches nothing', async () => {
    const { redis, python } = interop();
    const { Slot } = interopModels(redis);
    await python.create('Slot', { zone: 'eu', code: 'c1', n: 1 });
    expect(await python.filter('Slot', { zone__contains: 'e' })).toEqual([]);
    await expect(Slot.query.filter({ zone__contains: 'e' } as never)).rejects.toThrow(
      /Slot.query has no filter "zone__contains"/,
    );
    await expect(python.filter('Slot', { zone__in: [] })).rejects.toThrow(/TypeError/);
    expect(await Slot.query.filter({ zone__in: [] })).toEqual([]);
    expect(await Slot.query.count({ code__in: [] })).toBe(0);
  });

  it("refuses the string 'None' in a nullable key field: Popoto stores it as null's record", async () => {
    const { redis, python } = interop();
    const { Slot } = interopModels(redis);
    await expect(Slot.create({ zone: 'None', code: 'c1' })).rejects.toThrow(ModelValidationError);
    await expect(Slot.query.get({ zone: 'None', code: 'c1' })).rejects.toThrow(ModelValidationError);
    expect(await python.keys('Slot')).toEqual([]);
    // The evidence: in Popoto, 'None' and None are one key and one index set.
    await python.create('Slot', { zone: null, code: 'c1', n: 1 });
    await python.create('Slot', { zone: 'None', code: 'c1', n: 2 });
    expect(await python.keys('Slot')).toEqual(['Slot:c1:None']);
    expect(await python.count('Slot', { zone__isnull: true })).toBe(1);
  });
});

/** A finite double: any bit pattern half the time, else a "human" number (integral, short fraction, powers of ten). */
function randomDouble(random: () => number): number {
  const pick = random();
  if (pick < 0.5) {
    const bytes = new DataView(new ArrayBuffer(8));
    bytes.setUint32(0, Math.floor(random() * 2 ** 32));
    bytes.setUint32(4, Math.floor(random() * 2 ** 32));
    const value = bytes.getFloat64(0);
    return Number.isFinite(value) ? value : 0.5;
  }
  const sign = random() < 0.3 ? -1 : 1;
  if (pick < 0.7) return sign * Math.round(random() * 10 ** Math.floor(random() * 22));
  if (pick < 0.9) return sign * Number((random() * 1000).toFixed(Math.floor(random() * 6)));
  return sign * 10 ** Math.floor(random() * 40 - 20) * (1 + Math.floor(random() * 9));
}

/** A string Python's Decimal() accepts, in many spellings. */
function randomDecimal(random: () => number): string {
  const specials = ['inf', '-Infinity', 'NaN', '-nan', 'sNaN', 'nan012', '+Inf'];
  if (random() < 0.05) return specials[Math.floor(random() * specials.length)]!;
  const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');
  const sign = ['', '', '-', '+'][Math.floor(random() * 4)]!;
  const whole = digits(Math.floor(random() * 8));
  const fraction = random() < 0.6 ? `.${digits(Math.floor(random() * 10))}` : '';
  const body = whole === '' && (fraction === '' || fraction === '.') ? `0${fraction}` : `${whole}${fraction}`;
  const exponent = random() < 0.3 ? `${random() < 0.5 ? 'e' : 'E'}${['', '+', '-'][Math.floor(random() * 3)]}${digits(1 + Math.floor(random() * 2))}` : '';
  return `${sign}${body}${exponent}`;
} // prettier-ignore

/** A datetime from year 1000 to 9999 with microseconds (a third of them whole seconds). */
function randomDatetime(random: () => number): Date {
  const start = Date.UTC(1000, 0, 1);
  const ms = start + Math.floor(random() * (Date.UTC(9999, 11, 31) - start));
  const micros = random() < 0.33 ? 0 : Math.floor(random() * 1_000_000);
  const second = ms - (((ms % 1000) + 1000) % 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const base = new Date(second);
  const iso =
    `${pad(base.getUTCFullYear(), 4)}-${pad(base.getUTCMonth() + 1)}-${pad(base.getUTCDate())}T` +
    `${pad(base.getUTCHours())}:${pad(base.getUTCMinutes())}:${pad(base.getUTCSeconds())}.${pad(micros, 6)}`;
  return datetimeFromIso(iso);
}
