import type { ModelMeta } from './meta.js';

/** `records` sorted by `field` (its type's sort order; nulls last), ascending or descending: `order_by`. */
export function sortBy<I>(
  meta: ModelMeta,
  records: I[],
  { field, descending }: { field: string; descending: boolean },
): I[] {
  const sortKey = meta.definitions[meta.fieldNames.indexOf(field)]!.sortKey;
  const keyOf = (record: I): unknown => {
    const value = (record as Record<string, unknown>)[field];
    return value === null || value === undefined || sortKey === undefined ? value : sortKey(value);
  };
  return records
    .map((record) => ({ record, key: keyOf(record) as number | string | bigint | null | undefined }))
    .sort((a, b) => {
      const x = a.key;
      const y = b.key;
      if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1;
      if (y === null || y === undefined) return -1;
      const order = x < y ? -1 : x > y ? 1 : 0;
      return descending ? -order : order;
    })
    .map(({ record }) => record);
}
