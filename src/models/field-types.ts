// The field types: one entry each, holding everything popoto-ts does with a value of that type
// (check, store, read back, index, order). Adding a type is adding an entry here: `Field`,
// `SortedField`, validation, saves, reads and filters all read this table, and the TypeScript
// type of the field's values (`FieldTypes`) is inferred from the entry, so the compiler checks
// that its functions agree on one value type.
import {
  encodeFloat64,
  encodeInt,
  encodeValue,
  encodeWrapped,
  fromEncodable,
  isInt64,
  packFloatTuple,
  packPlain,
  packWrapped,
} from './codec.js';
import { pythonDateStr, pythonDatetimeStr, pythonDecimalStr, pythonFloatStr } from './python-str.js';
import {
  isPythonDate,
  ordinalDay,
  parsePythonDate,
  parsePythonDatetime,
  toPopotoDate,
  toPopotoDatetime,
  unixSeconds,
} from './datetime.js';

/** How a sortable type is kept in a sorted index (`SortedField`) and filtered by range. */
export interface SortedIndex<T> {
  /** The value's score in the sorted set, exactly as Popoto computes it. */
  score(value: T): number;
  /** The score of a filter bound (`age__gte: 18`), or undefined when the bound cannot be one of this type's values. */
  boundScore(bound: unknown): number | undefined;
  /** What a filter bound must be, for error messages: `'a number'`. */
  readonly boundExpected: string;
  /**
   * The value a SortedField of this type holds once saved, when Popoto converts it before
   * saving (its `format_value_pre_save`: a Decimal SortedField holds `float(value)`, so its
   * stored text is Python's `str()` of that float); absent when the value is kept as given.
   */
  readonly stored?: (value: T) => T;
}

/**
 * How a type is a part of a record key (`KeyField({ type })`). Popoto writes Python's `str()`
 * of the value into the key and the index names, so that text is the key part here too.
 */
export interface KeyPart<T> {
  /** Python's `str()` of the value: the key part before escaping (`1.0`, `True`, `2024-01-02`). */
  str(value: T): string;
  /** The value a key part's text was written for (`parseKeyPart` checks that `str` gives the text back). */
  parse(text: string): T | undefined;
}

/** Everything popoto-ts does with the values of one field type. */
export interface FieldTypeDefinition<T> {
  /** What a value must be, for error messages: `'a safe integer'`. */
  readonly expected: string;
  /** Whether `value` (never null or undefined) is a value of this type. */
  fits(value: unknown): value is T;
  /** The MessagePack bytes Popoto stores for a value, byte for byte. */
  encode(value: T): Buffer;
  /**
   * The value from its stored form as MessagePack decoded it (never nil; Popoto's wrapper
   * maps still wrapped). Throws an Error whose message says what was expected when the stored
   * value cannot be one of this type's values exactly (it is never rounded or converted). Null
   * for the stored form of null that is not nil (`encodeNull`).
   */
  decode(stored: unknown): T | null;
  /**
   * What Popoto stores for null when it is not MessagePack nil (a GeoField stores the tuple
   * `(None, None)`); `decode` gives null back for it.
   */
  readonly encodeNull?: Buffer;
  /** Present when the type can be a SortedField: its score and filter bounds. */
  readonly index?: SortedIndex<T>;
  /** Present when the type can be a key field (`KeyField({ type })`): its key part, as Popoto writes it. */
  readonly key?: KeyPart<T>;
  /** What `order_by` compares; default the value itself. */
  readonly sortKey?: (value: T) => number | string | bigint;
  /**
   * Present for types whose length Popoto limits (its `max_length`, for `str`): the default
   * most characters of a Field's value, which `Field({ maxLength })` changes. Other types take
   * no `maxLength`.
   */
  readonly defaultMaxLength?: number;
}

/** Declares an entry of the table, with its value type `T` checked across all its functions. */
function fieldType<T>() {
  return <const D extends FieldTypeDefinition<T>>(definition: D): D => definition;
}

/** Refuses a stored value: the message says what it had to be (the caller names the field, the record and the value). */
function fail(expected: string): never {
  throw new TypeError(expected);
}

/** The stored form of a null GeoField, made at its first use (`geo.encodeNull`). */
let geoNull: Buffer | undefined;

const numberBound: SortedIndex<number> = {
  score: (value) => value,
  boundScore: (bound) => (typeof bound === 'number' && !Number.isNaN(bound) ? bound : undefined),
  boundExpected: 'a number',
};

/** An int's key part: Python's `str()` of an int. */
const INTEGER = /^-?\d+$/;
/** A date's and a datetime's key part: Python's `str()` of them. */
const PYTHON_DATE_STR = /^\d{4}-\d{2}-\d{2}$/;
const PYTHON_DATETIME_STR = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{6})?$/;

/** Popoto's stored text of a `datetime.time`: `strftime('%H:%M:%S.%f')`. */
const TIME = /^(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{6}$/;

/** Python's `float()` of a decimal string: correctly rounded, `inf`/`nan` included. */
function decimalFloat(value: string): number {
  const special = /^([+-]?)(inf|infinity|s?nan\d*)$/i.exec(value);
  if (special === null) return Number(value);
  if (special[2]!.toLowerCase().startsWith('inf')) return special[1] === '-' ? -Infinity : Infinity;
  return NaN;
}

/** A decimal string as Python's `Decimal()` accepts it. */
const DECIMAL = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|s?nan\d*)$/i;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null &&
  typeof value === 'object' &&
  !Array.isArray(value) &&
  !(value instanceof Date) &&
  !ArrayBuffer.isView(value);

/** Popoto's wrapper map `{"__<Type>__": true, "as_encodable": …}`'s encodable, or undefined. */
function unwrap(stored: unknown, marker: string): unknown {
  if (stored === null || typeof stored !== 'object') return undefined;
  const record = stored as Record<string, unknown>;
  return record[marker] === true ? record.as_encodable : undefined;
}

/** The field types by name, in the order their names are listed in errors. */
export const FIELD_TYPES = {
  /** Python `str`. Popoto limits its length: 1024 characters unless declared otherwise (`maxLength`). */
  string: fieldType<string>()({
    expected: 'a string',
    defaultMaxLength: 1024,
    fits: (value): value is string => typeof value === 'string',
    encode: (value) => packPlain(value),
    decode: (stored) => (typeof stored === 'string' ? stored : fail('a string')),
    key: { str: (value) => value, parse: (text) => text },
  }),
  /** Python `int` within ±2^53, as a JS number. */
  int: fieldType<number>()({
    expected: 'a safe integer',
    fits: (value): value is number => Number.isSafeInteger(value),
    encode: (value) => encodeInt(value),
    decode: (stored) =>
      typeof stored === 'number'
        ? stored
        : fail(
            typeof stored === 'bigint'
              ? "a safe integer: the stored int is beyond 2^53 and would be rounded; declare the field { type: 'bigint' } to read it exactly"
              : 'a number',
          ),
    index: numberBound,
    key: { str: String, parse: (text) => (INTEGER.test(text) ? Number(text) : undefined) },
  }),
  /** Python `int` up to 64 bits (the range MessagePack stores: -2^63 to 2^64-1), as a JS bigint. */
  bigint: fieldType<bigint>()({
    expected: 'a bigint from -2^63 to 2^64-1',
    fits: (value): value is bigint => typeof value === 'bigint' && isInt64(value),
    encode: (value) => encodeInt(value),
    decode: (stored) =>
      typeof stored === 'bigint' ? stored : Number.isInteger(stored) ? BigInt(stored as number) : fail('an integer'),
    key: { str: String, parse: (text) => (INTEGER.test(text) ? BigInt(text) : undefined) },
  }),
  /** Python `float`: always stored as float64, even when integral. */
  float: fieldType<number>()({
    expected: 'a finite number',
    fits: (value): value is number => typeof value === 'number' && Number.isFinite(value),
    encode: (value) => encodeFloat64(value),
    decode: (stored) => (typeof stored === 'number' ? stored : fail('a number')),
    index: numberBound,
    key: { str: pythonFloatStr, parse: Number },
  }),
  /** Python `bool`. */
  boolean: fieldType<boolean>()({
    expected: 'a boolean',
    fits: (value): value is boolean => typeof value === 'boolean',
    encode: (value) => packPlain(value),
    decode: (stored) => (typeof stored === 'boolean' ? stored : fail('a boolean')),
    sortKey: Number,
    key: {
      str: (value) => (value ? 'True' : 'False'),
      parse: (text) => (text === 'True' ? true : text === 'False' ? false : undefined),
    },
  }),
  /** Python `datetime`, naive UTC, microseconds kept; stored as `{"__datetime__": true, "as_encodable": "20240102T03:04:05.000006"}`. */
  datetime: fieldType<Date>()({
    expected: 'a valid Date from year 1 to 9999',
    fits: isPythonDate,
    encode: (value) => packWrapped('datetime', toPopotoDatetime(value)),
    decode: (stored) => {
      const text = unwrap(stored, '__datetime__') ?? stored;
      return typeof text === 'string' ? parsePythonDatetime(text) : fail('a Popoto datetime');
    },
    index: {
      score: unixSeconds,
      boundScore: (bound) => (isPythonDate(bound) ? unixSeconds(bound) : undefined),
      boundExpected: 'a valid Date',
    },
    sortKey: unixSeconds,
    key: {
      str: pythonDatetimeStr,
      parse: (text) => (PYTHON_DATETIME_STR.test(text) ? parsePythonDatetime(text) : undefined),
    },
  }),
  /** Python `date`: the UTC calendar date of a Date; stored as `{"__date__": true, "as_encodable": "19930714"}`. */
  date: fieldType<Date>()({
    expected: 'a valid Date from year 1 to 9999',
    fits: isPythonDate,
    encode: (value) => packWrapped('date', toPopotoDate(value)),
    decode: (stored) => {
      const text = unwrap(stored, '__date__') ?? stored;
      return typeof text === 'string' ? parsePythonDate(text) : fail('a Popoto date');
    },
    index: {
      score: ordinalDay,
      boundScore: (bound) => (isPythonDate(bound) ? ordinalDay(bound) : undefined),
      boundExpected: 'a valid Date',
    },
    sortKey: ordinalDay,
    key: { str: pythonDateStr, parse: (text) => (PYTHON_DATE_STR.test(text) ? parsePythonDate(text) : undefined) },
  }),
  /** Python `Decimal`, kept exact as its string (`'10.25'`); stored as `{"__Decimal__": true, "as_encodable": "10.25"}`. */
  decimal: fieldType<string>()({
    expected: 'a decimal string such as "10.25"',
    fits: (value): value is string => typeof value === 'string' && DECIMAL.test(value),
    encode: (value) => packWrapped('Decimal', value),
    decode: (stored) => {
      const text = unwrap(stored, '__Decimal__') ?? stored;
      return typeof text === 'string' ? text : fail('a Popoto Decimal');
    },
    sortKey: decimalFloat,
    // A Decimal SortedField is scored by float(value), and Popoto saves float(value) itself: its
    // wrapper then holds Python's str() of the float ('100.0' for Decimal('100')).
    index: {
      score: decimalFloat,
      boundScore: (bound) =>
        typeof bound === 'number' && !Number.isNaN(bound)
          ? bound
          : typeof bound === 'string' && DECIMAL.test(bound) && !Number.isNaN(decimalFloat(bound))
            ? decimalFloat(bound)
            : undefined,
      boundExpected: 'a decimal string or a number',
      stored: (value) => pythonFloatStr(decimalFloat(value)),
    },
    // The key part is Python's str() of the Decimal ('1E+2' for '1e2'); the hash keeps the text as given.
    key: { str: (value) => pythonDecimalStr(value)!, parse: (text) => text },
  }),
  /** Python `list`. Items are any MessagePack values; see the known limits in docs/models.md. */
  list: fieldType<unknown[]>()({
    expected: 'an array',
    fits: (value): value is unknown[] => Array.isArray(value),
    encode: (value) => encodeValue(value),
    decode: (stored) => {
      const decoded = fromEncodable(stored);
      return Array.isArray(decoded) ? (decoded as unknown[]) : fail('a list');
    },
  }),
  /** Python `dict` with string keys. */
  object: fieldType<Record<string, unknown>>()({
    expected: 'a plain object',
    fits: isPlainObject,
    encode: (value) => encodeValue(value),
    decode: (stored) => {
      const decoded = fromEncodable(stored);
      return isPlainObject(decoded) ? decoded : fail('a dict');
    },
  }),
  /** Python `bytes`, as a Uint8Array (a Buffer when read); stored as MessagePack bin, as Python's msgpack writes bytes. */
  bytes: fieldType<Uint8Array>()({
    expected: 'a Uint8Array or Buffer',
    fits: (value): value is Uint8Array => value instanceof Uint8Array,
    encode: (value) => packPlain(value),
    decode: (stored) => (stored instanceof Uint8Array ? stored : fail('bytes')),
  }),
  /**
   * Python `datetime.time`, as its text `HH:MM:SS.ffffff` (microseconds always written, as
   * Popoto's `strftime('%H:%M:%S.%f')` stores it); stored as `{"__time__": true, "as_encodable": …}`.
   */
  time: fieldType<string>()({
    expected: "a time string 'HH:MM:SS.ffffff' (hours 00-23, six fraction digits)",
    fits: (value): value is string => typeof value === 'string' && TIME.test(value),
    encode: (value) => packWrapped('time', value),
    decode: (stored) => {
      const text = unwrap(stored, '__time__');
      return typeof text === 'string' && TIME.test(text) ? text : fail('a Popoto time');
    },
    // Python's str() of a time leaves out a zero fraction: '03:04:05', else '03:04:05.000006'.
    key: {
      str: (value) => (value.endsWith('.000000') ? value.slice(0, 8) : value),
      parse: (text) => (TIME.test(text) ? text : TIME.test(`${text}.000000`) ? `${text}.000000` : undefined),
    },
  }),
  /**
   * Python `set`, as a JS Set; stored as `{"__set__": true, "as_encodable": [items]}`, the items
   * in the Set's order (Python writes its own iteration order; neither side reads order back).
   */
  set: fieldType<Set<unknown>>()({
    expected: 'a Set',
    fits: (value): value is Set<unknown> => value instanceof Set,
    encode: (value) => encodeWrapped('set', [...value]),
    decode: (stored) => {
      const items = unwrap(stored, '__set__');
      return Array.isArray(items) ? new Set(items.map(fromEncodable)) : fail('a Popoto set');
    },
  }),
  /** Python `tuple`, as an array; stored as `{"__tuple__": true, "as_encodable": [items]}`. */
  tuple: fieldType<unknown[]>()({
    expected: 'an array',
    fits: (value): value is unknown[] => Array.isArray(value),
    encode: (value) => encodeWrapped('tuple', value),
    decode: (stored) => {
      const items = unwrap(stored, '__tuple__');
      return Array.isArray(items) ? items.map(fromEncodable) : fail('a Popoto tuple');
    },
  }),
  /**
   * A GeoField's point (Popoto's `GeoField.Coordinates`): stored as Popoto's tuple wrapper
   * `[latitude, longitude]`, both float64; null is stored as Popoto stores it, `(None, None)`.
   * Not a `Field` type: declared with `GeoField()`.
   */
  geo: fieldType<GeoPoint>()({
    expected:
      'an object { latitude, longitude } with latitude from -85.05112878 to 85.05112878 and longitude from -180 ' +
      'to 180 (the range Redis GEOADD takes)',
    fits: isGeoPoint,
    encode: (value) => packFloatTuple([value.latitude, value.longitude]),
    // A getter, so that msgpackr is loaded when a GeoField's null is first stored, not at import.
    get encodeNull(): Buffer {
      return (geoNull ??= packFloatTuple([null, null]));
    },
    decode: (stored) => {
      const items = unwrap(stored, '__tuple__');
      if (!Array.isArray(items) || items.length !== 2) return fail('a Popoto GeoField tuple (latitude, longitude)');
      const [latitude, longitude] = items as unknown[];
      if (latitude === null && longitude === null) return null;
      return typeof latitude === 'number' && typeof longitude === 'number'
        ? { latitude, longitude }
        : fail('a Popoto GeoField tuple of two numbers');
    },
  }),
  /**
   * A Relationship's stored form: the related record's key, as a MessagePack string (Popoto's
   * `packb(value.db_key.redis_key)`). Not a `Field` type: declared with `Relationship()`, whose
   * value is the related instance (the model turns it into its key to store it).
   */
  relationship: fieldType<string>()({
    expected: 'a related record key',
    fits: (value): value is string => typeof value === 'string',
    encode: (value) => packPlain(value),
    decode: (stored) => (typeof stored === 'string' ? stored : fail('a related record key (a string)')),
  }),
};

/** A point of a GeoField. */
export interface GeoPoint {
  latitude: number;
  longitude: number;
}

/** Redis GEOADD's latitude limit (its Web Mercator range). */
const MAX_LATITUDE = 85.05112878;

function isGeoPoint(value: unknown): value is GeoPoint {
  if (value === null || typeof value !== 'object') return false;
  const { latitude, longitude } = value as Record<string, unknown>;
  return (
    Object.keys(value).length === 2 &&
    typeof latitude === 'number' &&
    typeof longitude === 'number' &&
    Math.abs(latitude) <= MAX_LATITUDE &&
    Math.abs(longitude) <= 180
  );
}

/** Name of a field value type. */
export type FieldType = keyof typeof FIELD_TYPES;

/** The value type of an entry of the table. */
type ValueOfDefinition<D> = D extends { fits(value: unknown): value is infer T } ? T : never;

/** The value types a field can declare, and what each is in TypeScript (inferred from `FIELD_TYPES`). */
export type FieldTypes = { [K in FieldType]: ValueOfDefinition<(typeof FIELD_TYPES)[K]> };

/** The type names whose table entry has `property`. */
type TypesWith<P extends keyof FieldTypeDefinition<unknown>> = {
  [K in FieldType]: (typeof FIELD_TYPES)[K] extends { [Q in P]: unknown } ? K : never;
}[FieldType];

/** The type names whose table entry has `property`, in the table's order. */
function typeNamesWith<P extends keyof FieldTypeDefinition<unknown>>(property: P): TypesWith<P>[] {
  return FIELD_TYPE_NAMES.filter((type) => definitionOf(type)[property] !== undefined) as TypesWith<P>[];
}

/** The types a `Field` can declare: not those of the dedicated factories (`GeoField`, `Relationship`). */
export type PlainFieldType = Exclude<FieldType, 'geo' | 'relationship'>;

/** The types a SortedField can have: those whose entry has an `index`. */
export type SortableType = TypesWith<'index'>;

/** Every field type name, in the table's order. */
export const FIELD_TYPE_NAMES = Object.keys(FIELD_TYPES) as FieldType[];

/** The type names `Field` takes, in the table's order. */
export const PLAIN_FIELD_TYPE_NAMES = FIELD_TYPE_NAMES.filter(
  (type): type is PlainFieldType => type !== 'geo' && type !== 'relationship',
);

/** The types whose length is limited (`maxLength`): those whose entry has a `defaultMaxLength`. */
export type LengthLimitedType = TypesWith<'defaultMaxLength'>;

/** The sortable type names, in the table's order. */
export const SORTABLE_TYPE_NAMES: SortableType[] = typeNamesWith('index');

/** The table entry of `type`, typed for code that handles every type alike. */
export function definitionOf(type: FieldType): FieldTypeDefinition<unknown> {
  return FIELD_TYPES[type] as FieldTypeDefinition<unknown>;
}

/** The types a key field can have: those whose entry has a `key`. */
export type KeyableType = TypesWith<'key'>;

/** The key field type names, in the table's order. */
export const KEYABLE_TYPE_NAMES: KeyableType[] = typeNamesWith('key');

/**
 * The value whose key part is `text` (unescaped), or undefined when Popoto would write that
 * text for no value of the type: only a text that `str()` of the parsed value gives back, so
 * `'007'` is no int and `'1e16'` no float (Python writes `1e+16`).
 */
export function parseKeyPart(definition: FieldTypeDefinition<unknown>, text: string): unknown {
  const value = definition.key?.parse(text);
  return value !== undefined && definition.fits(value) && definition.key!.str(value) === text ? value : undefined;
}
