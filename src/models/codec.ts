import type { Packr } from 'msgpackr';
import { parsePythonDate, parsePythonDatetime, toPopotoDatetime } from './datetime.js';
import { msgpackr } from './msgpackr-loader.js';

let packrInstance: Packr | undefined;

// MessagePack as Python's msgpack writes it: maps in their smallest form, never msgpackr's
// record extension. 64-bit integers are read as numbers while they are exact (|n| <= 2^53)
// and as bigints beyond, never rounded ('auto'; msgpackr's typings do not list that value).
// Made at the first encode or decode, so that msgpackr is loaded then (msgpackr-loader.ts).
function packr(): Packr {
  return (packrInstance ??= new (msgpackr().Packr)({
    useRecords: false,
    variableMapSize: true,
    mapsAsObjects: true,
    int64AsType: 'auto' as 'bigint',
  }));
}

/** MessagePack nil: what Popoto stores for a null field. */
export const NIL = Buffer.from([0xc0]);

/** Range of MessagePack integers (int64 and uint64), so of the ints Python's msgpack writes. */
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** Whether `value` fits a MessagePack integer, as Python's msgpack can store it. */
export function isInt64(value: bigint): boolean {
  return value >= INT64_MIN && value <= UINT64_MAX;
}

/** MessagePack of a plain value (string, boolean) with msgpackr. */
export function packPlain(value: unknown): Buffer {
  return packr().pack(value);
}

/** Popoto's wrapper for types MessagePack lacks: `{"__<Type>__": true, "as_encodable": …}`, key order included. */
export function packWrapped(type: string, encodable: unknown): Buffer {
  return packr().pack(wrapped(type, encodable));
}

/** Popoto's wrapper around a list of any values (a tuple's, a set's items), each encoded as `encodeValue` encodes it. */
export function encodeWrapped(type: string, items: readonly unknown[]): Buffer {
  return packr().pack(wrapped(type, items.map(toEncodable)));
}

/** Popoto's tuple wrapper around numbers written as Python floats (float64) and nils: a GeoField's coordinates. */
export function packFloatTuple(items: readonly (number | null)[]): Buffer {
  // The wrapper with a nil encodable, whose last byte (that nil) becomes the array.
  const head = packr().pack(wrapped('tuple', null));
  const parts = [head.subarray(0, head.length - 1), Buffer.from([0x90 | items.length])];
  for (const item of items) parts.push(item === null ? NIL : encodeFloat64(item));
  return Buffer.concat(parts);
}

function wrapped(type: string, encodable: unknown): Record<string, unknown> {
  return { [`__${type}__`]: true, as_encodable: encodable };
}

/** A float64 (0xcb), as Python writes every float, even an integral one (JS cannot tell 1.0 from 1; the declared type can). */
export function encodeFloat64(value: number): Buffer {
  const out = Buffer.allocUnsafe(9);
  out[0] = 0xcb;
  out.writeDoubleBE(value, 1);
  return out;
}

/**
 * MessagePack of any JS value, as a Popoto list/dict field or pub/sub payload holds it:
 * Dates as Popoto datetimes, undefined as nil, integers in Python's int forms (bigints
 * too, up to 64 bits; beyond is a RangeError).
 */
export function encodeValue(value: unknown): Buffer {
  return packr().pack(toEncodable(value));
}

const MAX_EXACT = 2 ** 53;

function toEncodable(value: unknown): unknown {
  switch (typeof value) {
    case 'undefined':
      return null;
    case 'number':
      // msgpackr writes integers outside the 32-bit range as float64; Python's msgpack writes
      // them as (u)int64 and reads a float back. As a BigInt msgpackr writes the 64-bit form.
      // Up to 2^53 inclusive, so that an int read back as the number 2^53 is written as an int.
      return Number.isInteger(value) && (value >= 2 ** 32 || value < -(2 ** 31)) && Math.abs(value) <= MAX_EXACT
        ? BigInt(value)
        : value;
    case 'bigint':
      if (!isInt64(value)) {
        throw new RangeError(
          `${value}n does not fit 64 bits: MessagePack (and so Python Popoto) stores integers from -2^63 to 2^64-1`,
        );
      }
      return value;
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null || Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return value;
  if (value instanceof Date) return wrapped('datetime', toPopotoDatetime(value));
  if (Array.isArray(value)) return value.map(toEncodable);
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = toEncodable(inner);
  return out;
}

/**
 * Decodes a run of concatenated MessagePack values (a batch of stored fields, as the read
 * script returns them) in one pass of the decoder, handing each value to `each` as it is
 * decoded, with no array of them all: the reads fill their records from it directly. A 0xC1 byte
 * (never valid MessagePack) decodes to msgpackr's `C1` (`isC1`), which the read script uses as a
 * marker. An error thrown by `each` stops the pass and is rethrown as it was (msgpackr would
 * otherwise annotate it with fields of its own). `each` must not decode MessagePack itself: a
 * nested call makes msgpackr save its state by copying the whole source, each time.
 */
export function decodeEach(bytes: Buffer, each: (value: unknown) => void): void {
  let failure: { error: unknown } | undefined;
  packr().unpackMultiple(bytes, (value: unknown) => {
    try {
      each(value);
      return true;
    } catch (error) {
      failure = { error };
      return false;
    }
  });
  if (failure !== undefined) throw failure.error;
}

/** Whether `value` is what a 0xC1 byte decodes to (msgpackr's `C1`). */
export function isC1(value: unknown): boolean {
  return value === msgpackr().C1;
}

/** Decodes any MessagePack value, turning Popoto's wrapper maps (Decimal, datetime, date, time, tuple, set) into JS values. */
export function decodeValue(bytes: Buffer): unknown {
  return fromEncodable(packr().unpack(bytes));
}

/**
 * A decoded MessagePack value with Popoto's wrapper maps turned into JS values, at any depth:
 * Decimal → its string, datetime and date → Date, time → its string, tuple and set → array.
 */
export function fromEncodable(value: unknown): unknown {
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
      case '__dataframe__':
        // Popoto's DataFrameField: a pandas DataFrame as JSON, which popoto-ts does not read.
        throw new TypeError(
          "a value popoto-ts reads: this is a pandas DataFrame (Popoto's DataFrameField), which popoto-ts does not support",
        );
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
export function encodeInt(n: number | bigint): Buffer {
  if (typeof n === 'bigint') {
    if (n >= -(2n ** 31n) && n < 2n ** 32n) return encodeInt(Number(n));
    return n >= 0n
      ? withBytes(0xcf, 8, (b) => b.writeBigUInt64BE(n, 1))
      : withBytes(0xd3, 8, (b) => b.writeBigInt64BE(n, 1));
  }
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
