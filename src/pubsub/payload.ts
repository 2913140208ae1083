import { decodeValue, encodeValue, isInt64 } from '../models/codec.js';
import { describeValue, messageOf } from '../utils/errors.js';
import { MessageDecodeError } from './errors.js';

/**
 * How message values travel: `'msgpack'` (default) packs any value exactly as Popoto packs a
 * model field, so Python Popoto services read the same bytes; `'raw'` sends strings and Buffers
 * untouched, for channels shared with code that does not speak MessagePack.
 */
export type PubSubEncoding = 'msgpack' | 'raw';

const ENCODINGS: readonly PubSubEncoding[] = ['msgpack', 'raw'];

/** Throws unless `value` is undefined or a known encoding; returns the encoding to use. */
export function validateEncoding(value: unknown): PubSubEncoding {
  if (value === undefined) return 'msgpack';
  if (ENCODINGS.includes(value as PubSubEncoding)) return value as PubSubEncoding;
  const message = `encoding must be 'msgpack' or 'raw', got ${describeValue(value)}`;
  throw typeof value === 'string' ? new RangeError(message) : new TypeError(message);
}

/** The bytes (or string) to PUBLISH for `value`; `name` is how error messages refer to the value. */
export function encodePayload(value: unknown, encoding: PubSubEncoding, name: string): string | Buffer {
  if (encoding === 'raw') {
    if (typeof value === 'string' || Buffer.isBuffer(value)) return value;
    throw new TypeError(`${name} must be a string or Buffer with encoding 'raw', got ${describeValue(value)}`);
  }
  assertEncodable(value, name, new Set());
  return encodeValue(value);
}

/** What a received payload decodes to: the value, or the reason it could not be decoded. */
export type DecodedPayload = { ok: true; value: unknown } | { ok: false; error: MessageDecodeError };

/**
 * Decodes a received payload. In `'raw'` mode it is the UTF-8 text. In `'msgpack'` mode a
 * payload that is not exactly one MessagePack value (text published by another client, say)
 * is not an exception here: the caller delivers the bytes with the decoding error attached.
 */
export function decodePayload(bytes: Buffer, encoding: PubSubEncoding): DecodedPayload {
  if (encoding === 'raw') return { ok: true, value: bytes.toString('utf8') };
  try {
    return { ok: true, value: decodeValue(bytes) };
  } catch (error) {
    return {
      ok: false,
      error: new MessageDecodeError(`not a MessagePack payload: ${messageOf(error)}`, { cause: error }),
    };
  }
}

/**
 * Rejects what the codec would turn into something else without a word: functions and symbols
 * (packed as an empty extension), Maps and Sets (their entries are not own properties, so they
 * become `{}`), bigints beyond 64 bits (MessagePack has no such integer; within 64 bits they
 * are sent as ints, which Python reads exactly), invalid Dates and cycles (which would
 * overflow the stack). Objects are otherwise taken like JSON: their own enumerable properties.
 */
function assertEncodable(value: unknown, path: string, ancestors: Set<object>): void {
  const reject = (what: string): never => {
    throw new TypeError(`${path} must be MessagePack-encodable (${what}), got ${describeValue(value)}`);
  };
  switch (typeof value) {
    case 'function':
    case 'symbol':
      return reject(`a ${typeof value} is not`);
    case 'bigint':
      if (!isInt64(value)) reject('a bigint beyond -2^63..2^64-1 is not');
      return;
    case 'object':
      break;
    default:
      return;
  }
  if (value === null || Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) reject('an invalid Date is not');
    return;
  }
  if (value instanceof Map || value instanceof Set) {
    reject(`a ${value.constructor.name} is not: use a plain object or an array`);
  }
  if (ancestors.has(value)) {
    throw new TypeError(`${path} must be MessagePack-encodable (a circular reference is not)`);
  }
  ancestors.add(value);
  if (Array.isArray(value)) value.forEach((item, i) => assertEncodable(item, `${path}[${i}]`, ancestors));
  else for (const [key, inner] of Object.entries(value)) assertEncodable(inner, `${path}.${key}`, ancestors);
  ancestors.delete(value);
}
