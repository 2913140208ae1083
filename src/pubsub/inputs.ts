import { describeValue } from '../utils/errors.js';

/** Throws a TypeError unless `value` is a non-empty string (a channel name or a pattern). */
export function assertName(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`${name} must be a non-empty string, got ${describeValue(value)}`);
  }
}

/**
 * Checks the channels or patterns passed to (p)subscribe / (p)unsubscribe and removes repeats.
 * `listName` is `channels` or `patterns`; with `required`, none at all is a RangeError.
 */
export function collectNames(
  values: readonly unknown[],
  listName: string,
  { required = false }: { required?: boolean } = {},
): string[] {
  if (required && values.length === 0) {
    const noun = listName.slice(0, -1);
    throw new RangeError(`${listName} must hold at least one ${noun}, got none`);
  }
  values.forEach((value, i) => assertName(value, `${listName}[${i}]`));
  return [...new Set(values as string[])];
}
