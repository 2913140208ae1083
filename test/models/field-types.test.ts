// test tier: unit
// The field type table: every entry stores a value and reads it back unchanged, and refuses
// what is not its type. SAMPLES is typed by the table, so a new type does not compile until it
// has samples here.
import { describe, expect, it } from 'vitest';
import { decodeEach } from '../../src/models/codec.js';
import { datetimeFromIso } from '../../src/models/index.js';
import {
  FIELD_TYPE_NAMES,
  FIELD_TYPES,
  SORTABLE_TYPE_NAMES,
  definitionOf,
  type FieldType,
  type FieldTypes,
} from '../../src/models/field-types.js';

const SAMPLES: { [K in FieldType]: { good: FieldTypes[K][]; bad: unknown[] } } = {
  string: { good: ['', 'ünïcode ✓', 'x'.repeat(300)], bad: [1, null, new Date()] },
  int: {
    good: [0, -1, 127, 128, -33, 2 ** 31, 2 ** 40, -(2 ** 40), Number.MAX_SAFE_INTEGER],
    bad: [1.5, 2 ** 53, '1', 1n],
  },
  bigint: { good: [0n, -(2n ** 63n), 2n ** 64n - 1n, 5n], bad: [2n ** 64n, -(2n ** 63n) - 1n, 5] },
  float: { good: [0, 1, -1.5, 1e300, 2 ** 60], bad: [NaN, Infinity, '1'] },
  boolean: { good: [true, false], bad: [0, 'true'] },
  datetime: {
    good: [
      datetimeFromIso('2024-01-02T03:04:05.000006'),
      new Date('0001-01-01T00:00:00.000Z'),
      new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999)),
    ],
    bad: [new Date('x'), new Date(Date.UTC(10000, 0, 1)), '2024-01-02'],
  },
  date: { good: [new Date(Date.UTC(1993, 6, 14))], bad: [new Date(NaN), 19930714] },
  decimal: { good: ['10.25', '-0.5', '1E+2', '.5', 'NaN', '-Infinity'], bad: ['1,5', '', 10.25, 'abc'] },
  list: { good: [[], [1, 'a', null, [2.5, { k: true }]]], bad: [{}, 'a'] },
  object: { good: [{}, { k: 1, nested: [1, 2.5, null], s: 'x' }], bad: [[], new Date(), null] },
  bytes: { good: [Buffer.from([0, 255, 1]), Buffer.alloc(0), Buffer.alloc(300, 7)], bad: ['ab', [1, 2]] },
  time: { good: ['00:00:00.000000', '23:59:59.999999'], bad: ['24:00:00.000000', '03:04:05', '3:04:05.000000', 1] },
  set: { good: [new Set(), new Set([1, 'a', 2.5])], bad: [[1], {}] },
  tuple: { good: [[], [1, 'a', [2.5, null]]], bad: [new Set(), 'a'] },
  geo: {
    good: [
      { latitude: 1.5, longitude: -2 },
      { latitude: 85.05112878, longitude: 180 },
    ],
    bad: [{ latitude: 86, longitude: 0 }, { latitude: 0, longitude: 181 }, { latitude: 1 }, [1, 2]],
  },
  relationship: { good: ['Owner:ann', 'Owner:a{&#58;}b'], bad: [1, null] },
};

/** The values of stored bytes as a read decodes them (`decodeEach`), before their field's `decode`. */
function decodedAsRead(bytes: Buffer): unknown[] {
  const values: unknown[] = [];
  decodeEach(bytes, (value) => values.push(value));
  return values;
}

describe('field type table', () => {
  it.each(FIELD_TYPE_NAMES)('%s: stores and reads back each value unchanged, refuses others', (type) => {
    const definition = definitionOf(type);
    for (const value of SAMPLES[type].good as unknown[]) {
      expect(definition.fits(value)).toBe(true);
      const [stored] = decodedAsRead(definition.encode(value));
      expect(definition.decode(stored)).toEqual(value);
    }
    for (const value of SAMPLES[type].bad) expect(definition.fits(value)).toBe(false);
  });

  it('derives the sortable types from the entries that have an index', () => {
    expect(SORTABLE_TYPE_NAMES).toEqual(['int', 'float', 'datetime', 'date', 'decimal']);
    expect(FIELD_TYPES.decimal.index.score('-Infinity')).toBe(-Infinity);
    expect(FIELD_TYPES.decimal.index.boundScore('1E+2')).toBe(100);
    expect(FIELD_TYPES.decimal.index.stored('100')).toBe('100.0');
    expect(FIELD_TYPES.float.index.score(2.5)).toBe(2.5);
    expect(FIELD_TYPES.date.index.boundScore('2024-01-01')).toBeUndefined();
  });

  it('writes floats as float64 even when integral, and ints in their smallest form, as Python does', () => {
    expect(FIELD_TYPES.float.encode(1).toString('hex')).toBe('cb3ff0000000000000');
    expect(FIELD_TYPES.int.encode(1).toString('hex')).toBe('01');
    expect(FIELD_TYPES.int.encode(-33).toString('hex')).toBe('d0df');
    expect(FIELD_TYPES.int.encode(2 ** 40).toString('hex')).toBe('cf0000010000000000');
    expect(FIELD_TYPES.bigint.encode(5n).toString('hex')).toBe('05');
  });

  it('stores a null GeoField as Popoto does, the tuple (None, None), and reads it back as null', () => {
    const { encodeNull, decode } = FIELD_TYPES.geo;
    expect(encodeNull.toString('hex')).toBe('82a95f5f7475706c655f5fc3ac61735f656e636f6461626c6592c0c0');
    expect(decode(decodedAsRead(encodeNull)[0])).toBeNull();
  });
});
