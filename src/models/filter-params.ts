// The pieces a query's filter parameters are read with: GeoField parameters, projections,
// unknown names, sorted-field bounds and the record keys an equality/`__in` filter can match.
import { describeValue } from '../utils/errors.js';
import type { ModelMeta } from './meta.js';

/** Redis GEOSEARCH's units, which are Popoto's `<field>_radius_unit` values. */
export const GEO_UNITS: readonly string[] = ['m', 'km', 'ft', 'mi'];

/** A GeoField's filter parameters, as Popoto names them: `<field>`, `<field>_latitude`, `_longitude`, `_radius`, `_radius_unit`. */
const GEO_SUFFIXES = ['_radius_unit', '_radius', '_latitude', '_longitude'] as const;

/** A test of one key part (unescaped), for lookups that no index serves: read from the model's key set. */
export interface KeyPartTest {
  position: number;
  test: (part: string) => boolean;
}

/** A GeoField's filter parameters, as given. */
export interface GeoQuery {
  center?: unknown;
  latitude?: unknown;
  longitude?: unknown;
  radius?: unknown;
  unit?: unknown;
}

/** The GeoField and the part of its radius search a parameter names, or undefined for other parameters. */
export function geoParameterOf(meta: ModelMeta, name: string): [string, keyof GeoQuery] | undefined {
  if (meta.fields[name]?.kind === 'geo' && Object.hasOwn(meta.fields, name)) return [name, 'center'];
  for (const suffix of GEO_SUFFIXES) {
    const field = name.slice(0, -suffix.length);
    if (name.endsWith(suffix) && Object.hasOwn(meta.fields, field) && meta.fields[field]!.kind === 'geo') {
      const part = (
        { _radius_unit: 'unit', _radius: 'radius', _latitude: 'latitude', _longitude: 'longitude' } as const
      )[suffix];
      return [field, part];
    }
  }
  return undefined;
}

/** The fields of a projection (`values`): a non-empty array of field names, each once. */
export function checkedProjection(meta: ModelMeta, value: unknown, caller: string): string[] {
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((field) => typeof field === 'string' && Object.hasOwn(meta.fields, field)) ||
    new Set(value).size !== value.length
  ) {
    throw new TypeError(
      `${caller} values must be a non-empty array of ${meta.name}'s field names, each once (fields: ` +
        `${meta.fieldNames.join(', ')}), got ${describeValue(value)}`,
    );
  }
  return value as string[];
}

export function unknownParameter(meta: ModelMeta, name: string): TypeError {
  const sorted = meta.sortedIndexes.map((index) => index.field);
  return new TypeError(
    `${meta.name}.query has no filter ${JSON.stringify(name)}: key fields take <field>, <field>__in, ` +
      `<field>__startswith, <field>__endswith and (when nullable) <field>__isnull, sorted fields <field> and ` +
      `<field>__gt/__gte/__lt/__lte (key fields: ${meta.keyFields.join(', ')}; sorted fields: ${sorted.join(', ') || 'none'})`,
  );
}

/** Narrows a ZRANGEBYSCORE bound; '(' marks an exclusive bound. */
export function tighter(current: string, candidate: string, side: 'min' | 'max'): string {
  const exclusive = candidate.startsWith('(');
  const score = exclusive ? candidate.slice(1) : candidate;
  if (current === '-inf' || current === '+inf') return candidate;
  const value = (bound: string): number => Number(bound.replace('(', ''));
  const a = value(current);
  const b = Number(score);
  if (a === b) return current.startsWith('(') || exclusive ? `(${score}` : score;
  return (side === 'min' ? b > a : b < a) ? candidate : current;
}

/** The most record keys a filter builds from key values given by equality and `__in` before reading indexes instead. */
const MAX_CANDIDATES = 10_000;

/**
 * The key parts of every record key a filter can match, when every key field is given by
 * equality or `__in` (and `tests` pass): each combination of the allowed parts, in the order the
 * values were given. Undefined when a key field is not so given, or there would be more than
 * MAX_CANDIDATES.
 */
export function candidateKeys(
  keyCount: number,
  allowed: ReadonlyMap<number, readonly string[]>,
  tests: readonly KeyPartTest[],
): string[][] | undefined {
  let count = 1;
  for (let i = 0; i < keyCount; i++) {
    const parts = allowed.get(i);
    if (parts === undefined) return undefined;
    count *= parts.length;
  }
  if (count > MAX_CANDIDATES) return undefined;
  let combinations: string[][] = [[]];
  for (let i = 0; i < keyCount; i++) {
    combinations = combinations.flatMap((parts) => allowed.get(i)!.map((part) => [...parts, part]));
  }
  return combinations.filter((parts) => tests.every(({ position, test }) => test(parts[position]!)));
}
