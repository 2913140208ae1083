// Generated keys and text meant to break slot hashing and glob matching: hash-tag braces in
// every arrangement (empty tags, nested, unbalanced), lone and paired UTF-16 surrogates,
// multi-byte characters, glob syntax and separators.
import fc from 'fast-check';

const PIECES = [
  'a', 'b', 'Z', '0', ':', '{', '}', '{}', '}{', '{{', '}}', '\uD800', '\uDBFF', '\uDC00', '\uDFFF',
  '\uD83D\uDE00', 'é', '€', '\u0000', ' ', '*', '?', '[', ']', '^', '-', '\\', '/', "'",
  '{&#58;}', '%', '@',
]; // prettier-ignore

/** A key or text made of hostile pieces, or now and then of any UTF-16 code units at all. */
export function hostileKey(maxPieces = 12): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.array(fc.constantFrom(...PIECES), { maxLength: maxPieces }).map((p) => p.join('')) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: maxPieces }) },
  );
}
