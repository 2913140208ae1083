import type { FieldTypeDefinition } from './field-types.js';
import type { AnyFieldSpec, FieldKind } from './fields.js';
import { KeyLayout } from './keys.js';

/**
 * The index each kind of field keeps, as Popoto 0.8.3 names and fills it: the name is
 * `$<field class name without "Field">F` (Popoto's `field_class_key`). A `set` holds the
 * record keys of each value of a key field (`$KeyF:<Model>:<field>:<value>`, SADD/SREM); a
 * `zset` holds every record key scored by the field's value (`$SortF:<Model>:<field>`,
 * ZADD/ZREM). AutoKeyFields and plain Fields keep none (Popoto's AutoFieldMixin writes none;
 * filters by an AutoKeyField read the class set). A SortedKeyField keeps only its zset: Popoto's
 * SortedFieldMixin comes first in its classes, so no `$KeyF` is written.
 *
 * This table is the one list of indexes: writes, moves, deletes, index cleaning and queries all
 * read it (through `fieldIndexes` and `RecordIndexes`). A new indexed field kind is a row here
 * (a geo index is a zset: GEOADD's score is a geohash, and ZREM removes it). An index named by a
 * value that is not a key part (a `sort_by` partition, a Relationship's related key) takes that
 * name from the record's values at save, and from its stored hash for deletes and moves: those
 * indexes' keys then come from the names beside `ofKeyParts`'s key parts.
 */
const INDEX_OF_KIND: { readonly [K in FieldKind]?: { readonly prefix: string; readonly structure: IndexStructure } } = {
  key: { prefix: '$KeyF', structure: 'set' },
  uniquekey: { prefix: '$UniqueKeyF', structure: 'set' },
  sortedkey: { prefix: '$SortedKeyF', structure: 'zset' },
  sorted: { prefix: '$SortF', structure: 'zset' },
  geo: { prefix: '$GeoF', structure: 'geo' },
  relationship: { prefix: '$RelationshipF', structure: 'related' },
};

/**
 * How an index holds a record: `set` (SADD, named by a key part), `zset` (ZADD by score),
 * `geo` (GEOADD: a zset scored by geohash), `related` (SADD into the set named by the related
 * record's key; a record relating to none is in no set, as Popoto leaves it).
 */
export type IndexStructure = 'set' | 'zset' | 'geo' | 'related';

/** Python's `str(None)`: what Popoto writes for a null key field, in the record key and its index set. */
export const NONE_KEY_PART = 'None';

/** An index one field keeps. */
export interface FieldIndex {
  readonly field: string;
  /** Popoto's name of the index (`$KeyF`, `$UniqueKeyF`, `$SortedKeyF`, `$SortF`, `$GeoF`, `$RelationshipF`). */
  readonly prefix: string;
  readonly structure: IndexStructure;
  /**
   * Whether the index's key is named by values that are not key parts (a SortedField's `sortBy`
   * partition, a Relationship's related key): the record's keys then take those names
   * (`RecordIndexes.ofKeyParts`' `names`), in `namedIndexes` order.
   */
  readonly named: boolean;
  /** The field's position in the record key, for an index of a key field (its set is named by that key part). */
  readonly keyPosition: number | undefined;
  /** The field's type table entry (a zset scores values with its `index`). */
  readonly definition: FieldTypeDefinition<unknown>;
}

/** What the index keys of a model's records depend on (a ModelMeta has it). */
export interface IndexedFields {
  /** The model name in keys. */
  readonly name: string;
  /** The fields that form the key, in key order. */
  readonly keyFields: readonly string[];
  /**
   * The key-part sets, then the valued indexes (zset, geo, related: each given a value by the
   * record script), in the order the record script takes them.
   */
  readonly setIndexes: readonly FieldIndex[];
  readonly sortedIndexes: readonly FieldIndex[];
}

/**
 * The indexes of a model's fields (declared in `entries`, the key fields in `keyFields` order):
 * the sets in key order, the zsets in declaration order.
 */
export function fieldIndexes(
  entries: readonly (readonly [string, AnyFieldSpec, FieldTypeDefinition<unknown>])[],
  keyFields: readonly string[],
): { setIndexes: FieldIndex[]; sortedIndexes: FieldIndex[] } {
  const all = entries.flatMap(([field, spec, definition]): FieldIndex[] => {
    const index = INDEX_OF_KIND[spec.kind];
    if (index === undefined) return [];
    const position = keyFields.indexOf(field);
    const named = index.structure === 'related' || (spec.sortBy?.length ?? 0) > 0;
    return [{ field, ...index, named, keyPosition: position === -1 ? undefined : position, definition }];
  });
  const setIndexes = all.filter((index) => index.structure === 'set');
  setIndexes.sort((a, b) => a.keyPosition! - b.keyPosition!);
  return { setIndexes, sortedIndexes: all.filter((index) => index.structure !== 'set') };
}

/**
 * The keys a record occupies, in the order the record script takes them (see
 * record-script.ts): the record's hash, the class set, its set indexes, its zset indexes.
 * Built here, and only here, for saves, moves, deletes and index cleaning alike.
 */
export interface RecordKeys {
  /** The record's key, as stored in the index sets (no client keyPrefix). */
  key: string;
  /** KEYS of the record script for this record. */
  keys: string[];
}

/** A model's index keys in one layout (Popoto's on a single Redis, hash-tagged on a cluster). */
export class RecordIndexes {
  /** Where the model's keys live. */
  readonly layout: KeyLayout;
  /** How many set indexes a record is in. */
  readonly setCount: number;
  /** How many zset indexes a record is in. */
  readonly sortedCount: number;
  private readonly sortedSets: readonly string[];

  constructor(
    private readonly meta: IndexedFields,
    { cluster }: { cluster: boolean },
  ) {
    this.layout = new KeyLayout(meta.name, { cluster });
    this.setCount = meta.setIndexes.length;
    this.sortedSets = meta.sortedIndexes.map((index) => this.zset(index));
    this.sortedCount = this.sortedSets.length;
  }

  /**
   * The keys of the record whose key parts (Python's `str()` of each key field value, `None`
   * for null, unescaped, in key order) are `keyParts`, and whose named indexes (see
   * `FieldIndex.named`) have the names `names` (escaped, in their order; `ModelMeta.indexNames`).
   */
  ofKeyParts(keyParts: readonly string[], names: readonly string[] = []): RecordKeys {
    const key = this.layout.instanceKey(keyParts);
    const keys = [key, this.layout.classSet];
    for (const index of this.meta.setIndexes) keys.push(this.set(index, keyParts[index.keyPosition!]!));
    let named = 0;
    this.meta.sortedIndexes.forEach((index, i) => {
      // A name not given (the cleaning of an expired record, whose values are gone): Popoto's `None`.
      keys.push(index.named ? `${this.sortedSets[i]!}:${names[named++] ?? NONE_KEY_PART}` : this.sortedSets[i]!);
    });
    return { key, keys };
  }

  /** The keys of the record stored at `key`, or undefined when `key` is not one of this model's record keys. */
  ofKey(key: string, names: readonly string[] = []): RecordKeys | undefined {
    const parts = this.layout.keyParts(key, this.meta.keyFields.length);
    return parts === undefined ? undefined : this.ofKeyParts(parts, names);
  }

  /** A set index's key for one value (its key part, unescaped): `$KeyF:<Model>:<field>:<part>`. */
  set(index: FieldIndex, part: string): string {
    return this.layout.fieldIndex(index.prefix, index.field, [part]);
  }

  /**
   * A valued index's key: `$SortF:<Model>:<field>`, then for a named one its name (escaped):
   * `$SortF:<Model>:<field>:<team>`, `$RelationshipF:<Model>:<field>:<related key>`.
   */
  zset(index: FieldIndex, name?: string): string {
    const base = this.layout.fieldIndex(index.prefix, index.field, []);
    return name === undefined ? base : `${base}:${name}`;
  }
}
