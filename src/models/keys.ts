// Popoto's key layout (see shared/popoto-format/README.md), so that Python Popoto and
// popoto-ts can share one Redis.

import { escapeGlob } from '../redis/escape-glob.js';
import { describeValue } from '../utils/errors.js';

/** Popoto's escape of `:` inside a key part. */
export const COLON_TOKEN = '{&#58;}';
const NEEDS_ESCAPE = /[/'?*^[\]\-:]/;

/**
 * Escapes one key part exactly as Popoto's `DB_key.clean`: `/` → `//`; each of `'?*^[]-` →
 * `/` + char; then `:` → `{&#58;}`. Popoto has no escape for the text `{&#58;}` itself (it
 * reads back as `:`), which is why models refuse key values containing it.
 */
export function escapeKeyPart(value: string): string {
  if (typeof value !== 'string') throw new TypeError(`value must be a string, got ${describeValue(value)}`);
  // Most key values (ids, slugs without '-') need nothing escaped: skip the rebuild.
  if (!NEEDS_ESCAPE.test(value)) return value;
  let out = '';
  for (const char of value) {
    if (char === '/') out += '//';
    else if ("'?*^[]-".includes(char)) out += `/${char}`;
    else if (char === ':') out += COLON_TOKEN;
    else out += char;
  }
  return out;
}

/**
 * The inverse of `escapeKeyPart` (what Popoto's `DB_key.unclean` gives, for every part
 * escaped from a value without `{&#58;}`), in one left-to-right scan.
 */
export function unescapeKeyPart(escaped: string): string {
  if (typeof escaped !== 'string') throw new TypeError(`escaped must be a string, got ${describeValue(escaped)}`);
  let out = '';
  for (let i = 0; i < escaped.length; i++) {
    const char = escaped[i]!;
    if (char === '/') {
      out += escaped[i + 1] ?? '';
      i++;
    } else if (char === '{' && escaped.startsWith(COLON_TOKEN, i)) {
      out += ':';
      i += COLON_TOKEN.length - 1;
    } else {
      out += char;
    }
  }
  return out;
}

/**
 * Where a model's records and indexes live. On a single Redis it is Popoto's layout exactly
 * (`Person:<k1>:<k2>`, `$Class:Person`, `$KeyF:Person:<field>:<value>`, `$SortF:Person:<field>`, ...).
 * On a Redis Cluster the class name is wrapped in a hash tag (`{Person}:<k1>`, `$Class:{Person}`,
 * ...): every key of one model then hashes to one slot, so a save (one script over the record
 * and its indexes) and multi-key index queries stay legal, at the cost of one model living on
 * one master. (Escaped key parts contain `{&#58;}`, which would otherwise become the hash tag.)
 */
export class KeyLayout {
  private readonly scope: string;

  constructor(
    readonly modelName: string,
    { cluster }: { cluster: boolean },
  ) {
    this.scope = cluster ? `{${modelName}}` : modelName;
  }

  /**
   * The record's hash: the model name, then each key part (Python's `str()` of a key field's
   * value, in key order) escaped, joined by ':'.
   */
  instanceKey(keyParts: readonly string[]): string {
    // Built by appending: it runs once per record of a bulk read, before anything is sent.
    let key = this.scope;
    for (const part of keyParts) key += `:${escapeKeyPart(part)}`;
    return key;
  }

  /**
   * A glob (SCAN MATCH) of the record keys whose key parts (in key order) are the given ones;
   * an undefined one matches any. Parts are escaped as in keys, then for the glob.
   */
  instancePattern(keyParts: readonly (string | undefined)[]): string {
    const parts = keyParts.map((part) => (part === undefined ? '*' : escapeGlob(escapeKeyPart(part))));
    return [escapeGlob(this.scope), ...parts].join(':');
  }

  /** The key parts of a record key, unescaped (the inverse of `instanceKey`), or undefined for a foreign key. */
  keyParts(instanceKey: string, count: number): string[] | undefined {
    const parts = instanceKey.split(':');
    if (parts[0] !== this.scope || parts.length !== count + 1) return undefined;
    return parts.slice(1).map(unescapeKeyPart);
  }

  /** Set of every record key of the model. */
  get classSet(): string {
    return `$Class:${this.scope}`;
  }

  /**
   * The key of an index a field keeps: `<prefix>:<Model>:<field>`, then each of `parts` (a key
   * field's value in its set's name, say): Popoto's `DB_key(field_class_key, model, field,
   * *parts)`, which escapes the field name and every part as it escapes key parts.
   */
  fieldIndex(prefix: string, field: string, parts: readonly string[]): string {
    let key = `${prefix}:${this.scope}:${escapeKeyPart(field)}`;
    for (const part of parts) key += `:${escapeKeyPart(part)}`;
    return key;
  }
}
