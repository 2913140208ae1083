import { describeValue } from '../utils/errors.js';

/** A value Redis stores as a string. */
export type RedisValue = string | Buffer | number;

/** Reads an iterable of keys into an array, checking that each one is a string. */
export function collectKeys(keys: Iterable<string>, name = 'keys'): string[] {
  assertIterableArgument(keys, name);
  if (Array.isArray(keys) && keys[Symbol.iterator] === Array.prototype[Symbol.iterator]) {
    // The common case, a bulk read of 100k keys, without the iterator protocol: index and copy.
    const list = keys as unknown[];
    const out = new Array<string>(list.length);
    for (let index = 0; index < list.length; index++) out[index] = checkedKey(list[index], name, index);
    return out;
  }
  const out: string[] = [];
  let index = 0;
  for (const key of keys) out.push(checkedKey(key, name, index++));
  return out;
}

function checkedKey(key: unknown, name: string, index: number): string {
  if (typeof key !== 'string') throw new TypeError(`${name}[${index}] must be a string, got ${describeValue(key)}`);
  return key;
}

/**
 * Reads `[key, value]` entries (an iterable of pairs, a Map, or a plain object) into two
 * arrays, checking each key and value.
 */
export function collectEntries(
  entries: Iterable<readonly [string, RedisValue]> | Record<string, RedisValue>,
  name: string,
  keyName = 'key',
): { keys: string[]; values: RedisValue[] } {
  const iterable =
    entries !== null && typeof entries === 'object' && !(Symbol.iterator in entries)
      ? Object.entries(entries)
      : entries;
  assertIterableArgument(iterable, name);
  const keys: string[] = [];
  const values: RedisValue[] = [];
  let index = 0;
  for (const entry of iterable) {
    if (!Array.isArray(entry) || entry.length !== 2) {
      throw new TypeError(`${name}[${index}] must be a [${keyName}, value] pair, got ${describeValue(entry)}`);
    }
    const [key, value] = entry as [unknown, unknown];
    if (typeof key !== 'string') {
      throw new TypeError(`${name}[${index}][0] (${keyName}) must be a string, got ${describeValue(key)}`);
    }
    if (!isRedisValue(value)) {
      throw new TypeError(
        `${name}[${index}][1] (value) must be a string, Buffer or finite number, got ${describeValue(value)}`,
      );
    }
    keys.push(key);
    values.push(value);
    index++;
  }
  return { keys, values };
}

function isRedisValue(value: unknown): value is RedisValue {
  return typeof value === 'string' || Buffer.isBuffer(value) || (typeof value === 'number' && Number.isFinite(value));
}

function assertIterableArgument(value: unknown, name: string): asserts value is Iterable<unknown> {
  if (
    typeof value === 'string' ||
    value === null ||
    value === undefined ||
    typeof (value as Iterable<unknown>)[Symbol.iterator] !== 'function'
  ) {
    throw new TypeError(`${name} must be an iterable (an array, say), got ${describeValue(value)}`);
  }
}
