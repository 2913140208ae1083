// Random key values built from the characters Popoto's key escaping treats specially, for
// property tests of the escaping (test/models/keys.test.ts, and against Popoto itself in
// test/interop/records.test.ts).

/** Every character the escaping treats specially, pieces of its colon token, and some others. */
const ALPHABET = [
  '/',
  ':',
  '{',
  '}',
  '&',
  '#',
  '5',
  '8',
  ';',
  "'",
  '?',
  '*',
  '^',
  '[',
  ']',
  '-',
  'a',
  'Z',
  ' ',
  'é',
  '✓',
  '😀',
  '\\',
  '%',
  '{&#58',
  '//',
];

/** A small seeded PRNG (mulberry32), so a failing case can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` random strings of 0 to 13 pieces of the alphabet, the same for the same seed,
 * leaving out those containing `{&#58;}` (models refuse them: Popoto cannot store them).
 */
export function randomKeyValues(count: number, seed: number): string[] {
  const next = random(seed);
  const values: string[] = [];
  while (values.length < count) {
    let text = '';
    const length = Math.floor(next() * 14);
    for (let i = 0; i < length; i++) text += ALPHABET[Math.floor(next() * ALPHABET.length)];
    if (!text.includes('{&#58;}')) values.push(text);
  }
  return values;
}
