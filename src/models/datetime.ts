// Python datetimes carry microseconds; a JS Date keeps milliseconds. So that a datetime read
// from Redis is written back with the same bytes, the microseconds below the millisecond are
// remembered beside the Date (a WeakMap, invisible to callers) and used again when it is encoded.
import { describeValue } from '../utils/errors.js';

const extraMicros = new WeakMap<Date, number>();

/** The sub-millisecond microseconds (0..999) remembered for `date`, 0 for any other Date. */
export function microsOf(date: Date): number {
  return extraMicros.get(date) ?? 0;
}

/** A Date for a UTC wall-clock time with microsecond precision. */
export function dateWithMicros(ms: number, micros: number): Date {
  const date = new Date(ms);
  if (micros !== 0) extraMicros.set(date, micros);
  return date;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * `datetime.isoformat()` of a naive UTC datetime: `YYYY-MM-DDTHH:MM:SS[.ffffff]`, the fraction
 * only when there is one, as Python writes it. Naive (no offset), because Python code compares
 * Popoto datetimes with naive ones, and an aware value there would raise.
 */
export function toPythonIso(date: Date): string {
  const micros = date.getUTCMilliseconds() * 1000 + microsOf(date);
  const base =
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return micros === 0 ? base : `${base}.${pad(micros, 6)}`;
}

/** A date as Popoto writes it: `YYYYMMDD` (read also as ISO `YYYY-MM-DD`). */
export function toPythonDate(date: Date): string {
  return `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}`;
}

const DATETIME =
  /^(\d{4})-?(\d{2})-?(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:?\d{2}(?::?\d{2}(?:\.\d+)?)?)?$/;

/**
 * A Date from a Popoto/Python datetime string, keeping its microseconds for when it is saved
 * again (`datetimeFromIso('2024-01-02T03:04:05.000006')`). Parses both forms Popoto has written: `20240102T03:04:05.000006` (0.8.3) and ISO 8601
 * (`2024-01-02T03:04:05.000006`, with an offset when the datetime was aware). Naive values
 * are taken as UTC.
 */
export function parsePythonDatetime(text: string): Date {
  const match = typeof text === 'string' ? DATETIME.exec(text) : null;
  if (match === null) throw new TypeError(`text is not a Popoto datetime, got ${describeValue(text)}`);
  const [, y, mo, d, h, mi, s, fraction = '', offset] = match;
  const micros = Number(fraction.padEnd(6, '0'));
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) + Math.floor(micros / 1000);
  if (offset !== undefined && offset !== 'Z') {
    const sign = offset.startsWith('-') ? -1 : 1;
    const digits = offset.slice(1).replace(/:/g, '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  return dateWithMicros(ms, micros % 1000);
}

/** Parses `YYYYMMDD` (0.8.3) or `YYYY-MM-DD` into a Date at UTC midnight. */
export function parsePythonDate(text: string): Date {
  const match = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text);
  if (match === null) throw new TypeError(`not a Popoto date: ${JSON.stringify(text)}`);
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
}

/** Seconds since the epoch, with microseconds: the score of a datetime in a sorted index. */
export function unixSeconds(date: Date): number {
  return (date.getTime() * 1000 + microsOf(date)) / 1e6;
}
