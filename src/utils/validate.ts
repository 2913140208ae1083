import { describeValue } from './errors.js';

// Every public entry point checks its arguments up front, so a mistake surfaces at the call
// site with the parameter's name and the value received, not deep inside a running pool.

/** Throws a TypeError unless `value` is a function. */
export function assertFunction(value: unknown, name: string): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') {
    throw new TypeError(`${name} must be a function, got ${describeValue(value)}`);
  }
}

/** Throws a TypeError unless `value` is undefined or a function. */
export function assertOptionalFunction(
  value: unknown,
  name: string,
): asserts value is ((...args: never[]) => unknown) | undefined {
  if (value !== undefined) assertFunction(value, name);
}

/** Throws a TypeError unless `value` is undefined or a plain options object. */
export function assertOptionsObject(value: unknown, name: string): asserts value is object | undefined {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new TypeError(`${name} must be an object, got ${describeValue(value)}`);
  }
}

/** Throws a TypeError unless `value` is undefined or a boolean. */
export function assertOptionalBoolean(value: unknown, name: string): asserts value is boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new TypeError(`${name} must be a boolean, got ${describeValue(value)}`);
  }
}

/** Throws a TypeError unless `value` is undefined or a string. */
export function assertOptionalString(value: unknown, name: string): asserts value is string | undefined {
  if (value !== undefined && typeof value !== 'string') {
    throw new TypeError(`${name} must be a string, got ${describeValue(value)}`);
  }
}

/** Throws unless `value` is an integer >= `min`, or Infinity when `infinity` is set. */
export function assertInteger(
  value: unknown,
  name: string,
  min: number,
  { infinity: allowInfinity = false }: { infinity?: boolean } = {},
): asserts value is number {
  const ok =
    typeof value === 'number' && value >= min && (Number.isInteger(value) || (allowInfinity && value === Infinity));
  if (ok) return;
  const expected = `an integer >= ${min}${allowInfinity ? ' or Infinity' : ''}`;
  const message = `${name} must be ${expected}, got ${describeValue(value)}`;
  throw typeof value === 'number' && !Number.isNaN(value) ? new RangeError(message) : new TypeError(message);
}

/** Throws a TypeError unless `value` is undefined or an AbortSignal. */
export function assertOptionalSignal(value: unknown, name: string): asserts value is AbortSignal | undefined {
  if (value !== undefined && !(value instanceof AbortSignal)) {
    throw new TypeError(`${name} must be an AbortSignal, got ${describeValue(value)}`);
  }
}

/** setTimeout's largest delay; beyond it Node fires after 1 ms instead. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Throws unless `value` is a number of milliseconds in [min, MAX_TIMER_MS] that a timer can honour. */
export function assertDuration(value: unknown, name: string, min: number): asserts value is number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= min && value <= MAX_TIMER_MS) return;
  const message = `${name} must be a number of milliseconds from ${min} to ${MAX_TIMER_MS}, got ${describeValue(value)}`;
  throw typeof value === 'number' && !Number.isNaN(value) ? new RangeError(message) : new TypeError(message);
}

/** Every key of every member of a union of option types (`keyof` alone keeps only the shared ones). */
type OptionKeys<T> = T extends unknown ? keyof T : never;

/**
 * The option names of an options type, listed once as the keys of an object literal typed
 * against it: the compiler refuses a name the type lacks and one left out, so the names checked
 * at run time (`assertKnownKeys`) cannot drift from the declared options. For a union of option
 * shapes (one per field type, say) the names are those of all its members. Order is kept: it is
 * the order errors list them in.
 */
export function optionNames<T extends object>(names: { readonly [K in OptionKeys<T>]-?: true }): readonly string[] {
  return Object.keys(names);
}

/** Throws a TypeError naming the first key of `options` that is not in `known` (a misspelt option, say). */
export function assertKnownKeys(options: object | undefined, known: readonly string[], name: string): void {
  if (options === undefined) return;
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new TypeError(`${name} has no option ${JSON.stringify(key)} (known: ${known.join(', ')})`);
    }
  }
}
