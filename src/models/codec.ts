import { Packr } from 'msgpackr';
import { parsePythonDate, parsePythonDatetime, toPythonDate, toPythonIso } from './datetime.js';

/** The value types a field can declare, and what each is in TypeScript. */
export interface FieldTypes {
  string: string;
  int: number;
  float: number;
  boolean: boolean;
  /** A point in time; stored as a naive UTC ISO datetime, microseconds kept. */
  datetime: Date;
  /** A calendar date, as a Date at UTC midnight. */
  date: Date;
  /** A decimal number kept exact as a string, e.g. "10.25" (Python's Decimal). */
  decimal: string;
  list: unknown[];
  object: Record<string, unknown>;
}

/** Name of a field value type. */
export type FieldType = keyof FieldTypes;

// Python's msgpack writes maps in their smallest form and never uses msgpackr's record
// extension; `undefined` is not a MessagePack value and is turned into nil before packing.
const packr = new Packr({ useRecords: false, variableMapSize: true, mapsAsObjects: true, int64AsType: 'number' });

const NIL = Buffer.from([0xc0]);

/** Popoto's wrapper for types MessagePack lacks: `{"__<Type>__": true, "as_encodable": …}`, key order included. */
function wrapped(type: string, encodable: unknown): Record<string, unknown> {
  return { [`__${type}__`]: true, as_encodable: encodable };
}

/**
 * MessagePack bytes of a field value exactly as Python Popoto writes them: ints in their
 * smallest form, floats always as float64 (even when integral: JS cannot tell 1.0 from 1, the
 * declared type can), Decimal/datetime/date as Popoto's wrapper maps, null as nil.
 */
export function encodeField(type: FieldType, value: unknown): Buffer {
  if (value === null || value === undefined) return NIL;
  switch (type) {
    case 'int':
      return encodeInt(value as number);
    case 'float': {
      const out = Buffer.allocUnsafe(9);
      out[0] = 0xcb;
      out.writeDoubleBE(value as number, 1);
      return out;
    }
    case 'datetime':
      return packr.pack(wrapped('datetime', toPythonIso(value as Date)));
    case 'date':
      return packr.pack(wrapped('date', toPythonDate(value as Date)));
    case 'decimal':
      return packr.pack(wrapped('Decimal', value));
    case 'list':
    case 'object':
      return encodeValue(value);
    default:
      return packr.pack(value);
  }
}

/** MessagePack of any JS value, with Dates as Popoto datetimes and undefined as nil (pub/sub payloads, nested values). */
export function encodeValue(value: unknown): Buffer {
  return packr.pack(toEncodable(value));
}

function toEncodable(value: unknown): unknown {
  if (value === undefined) return null;
  // msgpackr writes integers outside the 32-bit range as float64; Python's msgpack writes them
  // as (u)int64, and reads a float back. As a BigInt msgpackr writes the 64-bit int form too.
  if (typeof value === 'number' && Number.isSafeInteger(value) && (value >= 2 ** 32 || value < -(2 ** 31))) {
    return BigInt(value);
  }
  if (value instanceof Date) return wrapped('datetime', toPythonIso(value));
  if (Array.isArray(value)) return value.map(toEncodable);
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value) && !ArrayBuffer.isView(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[key] = toEncodable(inner);
    return out;
  }
  return value;
}

/**
 * Decodes a run of concatenated MessagePack values (a batch of stored fields, as the read
 * script returns them) in one pass of the decoder: one call for hundreds of records instead of
 * one per field. A 0xC1 byte (never valid MessagePack) decodes to `C1`, which the read script
 * uses as a marker.
 */
export function decodeStream(bytes: Buffer): unknown[] {
  return packr.unpackMultiple(bytes) as unknown[];
}

export { C1 } from 'msgpackr';

/**
 * A stored field's decoded MessagePack value as its declared type: Popoto's wrapper maps become
 * decimal strings and Dates (also inside lists and objects), and a datetime or date stored as a
 * bare string is parsed.
 */
export function fromStored(type: FieldType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object') return fromEncodable(value);
  if ((type === 'date' || type === 'datetime') && typeof value === 'string') {
    return type === 'date' ? parsePythonDate(value) : parsePythonDatetime(value);
  }
  return value;
}

/** Decodes any MessagePack value, turning Popoto's wrapper maps (Decimal, datetime, date, time, tuple, set) into JS values. */
export function decodeValue(bytes: Buffer): unknown {
  return fromEncodable(packr.unpack(bytes));
}

function fromEncodable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromEncodable);
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value) || value instanceof Date) return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 2 && 'as_encodable' in record) {
    const marker = keys.find((k) => /^__\w+__$/.test(k) && record[k] === true);
    const encodable = record.as_encodable;
    switch (marker) {
      case '__Decimal__':
        return String(encodable);
      case '__datetime__':
        return parsePythonDatetime(String(encodable));
      case '__date__':
        return parsePythonDate(String(encodable));
      case '__time__':
        return String(encodable);
      case '__tuple__':
      case '__set__':
        return Array.isArray(encodable) ? encodable.map(fromEncodable) : encodable;
      default:
        break;
    }
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = fromEncodable(record[key]);
  return out;
}

/** A MessagePack integer in its smallest form, as Python's msgpack writes it (msgpackr would use float64 past 32 bits). */
function encodeInt(n: number): Buffer {
  if (n >= 0) {
    if (n < 0x80) return Buffer.from([n]);
    if (n < 0x100) return Buffer.from([0xcc, n]);
    if (n < 0x10000) return withBytes(0xcd, 2, (b) => b.writeUInt16BE(n, 1));
    if (n < 0x100000000) return withBytes(0xce, 4, (b) => b.writeUInt32BE(n, 1));
    return withBytes(0xcf, 8, (b) => b.writeBigUInt64BE(BigInt(n), 1));
  }
  if (n >= -32) return Buffer.from([n & 0xff]);
  if (n >= -0x80) return withBytes(0xd0, 1, (b) => b.writeInt8(n, 1));
  if (n >= -0x8000) return withBytes(0xd1, 2, (b) => b.writeInt16BE(n, 1));
  if (n >= -0x80000000) return withBytes(0xd2, 4, (b) => b.writeInt32BE(n, 1));
  return withBytes(0xd3, 8, (b) => b.writeBigInt64BE(BigInt(n), 1));
}

function withBytes(marker: number, size: number, write: (buffer: Buffer) => void): Buffer {
  const buffer = Buffer.allocUnsafe(size + 1);
  buffer[0] = marker;
  write(buffer);
  return buffer;
}
