import type { RedisClient } from '../redis/connection.js';
import { ModelValidationError } from './errors.js';
import { metaOf, type ModelMeta } from './meta.js';

/** What a related model's query gives the loader: its records at some keys, built, with their own relations loaded. */
interface RelatedReader {
  /** @internal */
  readKeys(client: RedisClient, keys: readonly string[], cache: RelatedCache): Promise<void>;
}

/**
 * The records loaded while reading relations, by key (null: no such record): each record is
 * read once per read however many records relate to it, and a cycle (A relates to B, B to A)
 * ends on records already loaded.
 */
export type RelatedCache = Map<string, object | null>;

/**
 * Replaces, in `objects` (records or projections of `meta`'s model), each Relationship field's
 * stored related key by the related instance: the related records are read in one batched read
 * per field and level (their own relations next, with the same cache), so 1,000 records with
 * their owners cost a few round trips, not 1,000. A related record that does not exist reads as
 * null, as in Popoto; in a field not declared `null: true`, a ModelValidationError naming the
 * record instead (its TypeScript type would otherwise lie).
 */
export async function loadRelated(
  client: RedisClient,
  meta: ModelMeta,
  objects: readonly Record<string, unknown>[],
  {
    keyOf,
    cache = new Map(),
  }: { keyOf: (object: Record<string, unknown>, i: number) => string; cache?: RelatedCache | undefined },
): Promise<void> {
  for (const field of meta.relationshipFields) {
    const spec = meta.fields[field]!;
    const wanted = new Set<string>();
    for (const object of objects) {
      const value = object[field];
      if (typeof value === 'string' && !cache.has(value)) wanted.add(value);
    }
    if (wanted.size > 0) {
      const related = spec.model as { query: RelatedReader };
      await related.query.readKeys(client, [...wanted], cache);
    }
    objects.forEach((object, i) => {
      const value = object[field];
      if (typeof value !== 'string') return;
      const instance = cache.get(value) ?? null;
      if (instance === null && !spec.nullable) {
        throw new ModelValidationError(
          meta.name,
          field,
          value,
          `the key of a ${metaOf(spec.model!).name} record that exists (it is gone: declare the Relationship ` +
            `{ null: true } to read records whose related record was deleted) (record ${keyOf(object, i)})`,
        );
      }
      object[field] = instance;
    });
  }
}
