import { KeyLayout } from './keys.js';

/** What the index keys of a model's records depend on (a ModelMeta has it). */
export interface IndexedFields {
  /** The model name in keys. */
  readonly name: string;
  /** Key and auto-key fields, in key order. */
  readonly keyFields: readonly string[];
  /** Positions in `keyFields` of the fields that have an index set. */
  readonly indexedKeyPositions: readonly number[];
  /** The SortedFields. */
  readonly sortedFields: readonly string[];
}

/**
 * The keys a record occupies, in the order the record script takes them (see
 * record-script.ts): the record's hash, the class set, the index set of each KeyField (not
 * of AutoKeyFields: Popoto writes none), and the model's sorted sets. Built here, and only
 * here, for saves, moves, deletes and index cleaning alike.
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
  /** How many KeyField index sets a record has. */
  readonly keyFieldSetCount: number;
  /** How many sorted sets a record is in. */
  readonly sortedSetCount: number;
  private readonly sortedSets: readonly string[];

  constructor(
    private readonly meta: IndexedFields,
    cluster: boolean,
  ) {
    this.layout = new KeyLayout(meta.name, cluster);
    this.keyFieldSetCount = meta.indexedKeyPositions.length;
    this.sortedSets = meta.sortedFields.map((field) => this.layout.sortedSet(field));
    this.sortedSetCount = this.sortedSets.length;
  }

  /** The keys of the record whose key field values (in `meta.keyFields` order) are `keyValues`. */
  ofValues(keyValues: readonly string[]): RecordKeys {
    const { layout, meta } = this;
    const key = layout.instanceKey(keyValues);
    const keys = [key, layout.classSet];
    for (const position of meta.indexedKeyPositions) {
      keys.push(layout.keyFieldSet(meta.keyFields[position]!, keyValues[position]!));
    }
    for (const set of this.sortedSets) keys.push(set);
    return { key, keys };
  }

  /** The keys of the record stored at `key`, or undefined when `key` is not one of this model's record keys. */
  ofKey(key: string): RecordKeys | undefined {
    const values = this.layout.keyValues(key, this.meta.keyFields.length);
    return values === undefined ? undefined : this.ofValues(values);
  }
}
