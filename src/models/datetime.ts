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
function dateWithMicros(ms: number, micros: number): Date {
  const date = new Date(ms);
  if (micros !== 0) extraMicros.set(date, micros);
  return date;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Whether `date` is a valid Date whose UTC year is one Python's datetime can hold (1 to 9999). */
export function isPythonDate(date: unknown): date is Date {
  if (!(date instanceof Date)) return false;
  const year = date.getUTCFullYear();
  return year >= 1 && year <= 9999;
}

/**
 * A datetime as Popoto 0.8.3 writes it, `strftime("%Y%m%dT%H:%M:%S.%f")` of a naive UTC
 * datetime: `20240102T03:04:05.000006`, always six fraction digits. It is the only form
 * 0.8.3 parses (`strptime` with the same format). Naive, because Python code compares Popoto
 * datetimes with naive ones, and an aware value there would raise.
 */
export function toPopotoDatetime(date: Date): string {
  const micros = date.getUTCMilliseconds() * 1000 + microsOf(date);
  return (
    `${toPopotoDate(date)}T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}` +
    `.${pad(micros, 6)}`
  );
}

/** A date as Popoto writes it: `strftime("%Y%m%d")`, `19930714`. */
export function toPopotoDate(date: Date): string {
  return `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}`;
}

const DATETIME =
  /^(\d{4})-?(\d{2})-?(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:?\d{2}(?::?\d{2}(?:\.\d+)?)?)?$/;

/**
 * A Date from a Popoto/Python datetime string, keeping its microseconds for when it is saved
 * again. Parses both forms found in Popoto data: `20240102T03:04:05.000006` (what Popoto
 * 0.8.3 writes) and ISO 8601 (`2024-01-02T03:04:05.000006`, with an offset when the datetime
 * was aware, as `datetime.isoformat()` and earlier popoto-ts versions wrote). Naive values are
 * taken as UTC.
 *
 * @example datetimeFromIso('2024-01-02T03:04:05.000006') // a Date that keeps the 6 µs
 */
export function parsePythonDatetime(text: string): Date {
  const match = typeof text === 'string' ? DATETIME.exec(text) : null;
  if (match === null) throw new TypeError(`text is not a Popoto datetime, got ${describeValue(text)}`);
  const [, y, mo, d, h, mi, s, fraction = '', offset] = match;
  const micros = Number(fraction.padEnd(6, '0'));
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0..99 as 1900..1999.
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), Math.floor(micros / 1000));
  let ms = date.getTime();
  if (offset !== undefined && offset !== 'Z') {
    const sign = offset.startsWith('-') ? -1 : 1;
    const digits = offset.slice(1).replace(/:/g, '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  return dateWithMicros(ms, micros % 1000);
}

/** Parses `YYYYMMDD` (what Popoto writes) or ISO `YYYY-MM-DD` into a Date at UTC midnight. */
export function parsePythonDate(text: string): Date {
  const match = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text);
  if (match === null) throw new TypeError(`not a Popoto date: ${JSON.stringify(text)}`);
  const date = new Date(0);
  date.setUTCFullYear(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return date;
}

/**
 * The score of a datetime in a sorted index: Python's `datetime.timestamp()` of the naive
 * UTC datetime, computed the way CPython does (whole seconds plus microseconds / 1e6), so the
 * float is the very one Popoto writes, to the last bit.
 */
export function unixSeconds(date: Date): number {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return seconds + ((ms - seconds * 1000) * 1000 + microsOf(date)) / 1e6;
}

const MS_PER_DAY = 86_400_000;
/** `date(1970, 1, 1).toordinal()` */
const EPOCH_ORDINAL = 719_163;

/** The score of a date in a sorted index: Python's `date.toordinal()` of its UTC calendar date. */
export function ordinalDay(date: Date): number {
  return EPOCH_ORDINAL + Math.floor(date.getTime() / MS_PER_DAY);
}
