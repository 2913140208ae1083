// test tier: unit
import { describe, expect, it } from 'vitest';
import { escapeKeyPart, unescapeKeyPart } from '../../src/models/index.js';
import { KeyLayout } from '../../src/models/keys.js';
import { randomKeyValues } from './random-key-values.js';

describe('key escaping', () => {
  it('matches what Popoto wrote in the fixtures', () => {
    expect(escapeKeyPart('Ann:Lee')).toBe('Ann{&#58;}Lee');
    expect(escapeKeyPart('Bob*[x]')).toBe('Bob/*/[x/]');
    expect(escapeKeyPart('Cy/Dee-1')).toBe('Cy//Dee/-1');
    expect(escapeKeyPart('page-0')).toBe('page/-0');
    expect(escapeKeyPart("it's ^ok?")).toBe("it/'s /^ok/?");
    // Popoto has no escape for the colon token itself (models refuse such key values).
    expect(escapeKeyPart('a{&#58;}b')).toBe('a{&#58;}b');
  });

  it('round-trips every string without the colon token (property test, 20 000 random strings from the tricky alphabet)', () => {
    for (const text of randomKeyValues(20_000, 58)) {
      const escaped = escapeKeyPart(text);
      // An escaped part never holds a raw ':' (the key separator) ...
      expect(escaped.replace(/\{&#58;\}/g, '')).not.toContain(':');
      // ... and unescapes to exactly the original.
      expect(unescapeKeyPart(escaped)).toBe(text);
    }
  });

  it('splits a record key back into its key parts', () => {
    const layout = new KeyLayout('Person', { cluster: false });
    const key = layout.instanceKey(['Ann:Lee', 'a{&#58b/c']);
    expect(key).toBe('Person:Ann{&#58;}Lee:a{&#58b//c');
    expect(layout.keyParts(key, 2)).toEqual(['Ann:Lee', 'a{&#58b/c']);
    expect(layout.keyParts('Other:x:y', 2)).toBeUndefined();
  });

  it('wraps the model name in a hash tag on a cluster, so a model stays in one slot', () => {
    const layout = new KeyLayout('Person', { cluster: true });
    expect(layout.instanceKey(['Ann:Lee'])).toBe('{Person}:Ann{&#58;}Lee');
    expect(layout.classSet).toBe('$Class:{Person}');
    expect(layout.fieldIndex('$KeyF', 'team', ['red'])).toBe('$KeyF:{Person}:team:red');
    expect(layout.fieldIndex('$SortF', 'age', [])).toBe('$SortF:{Person}:age');
  });
});
