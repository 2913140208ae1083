import { createRequire } from 'node:module';
import type * as Msgpackr from 'msgpackr';

// msgpackr is loaded when something is first encoded or decoded, not when popoto-ts is imported:
// with its native extractor it is a large part of the import's cost, and programs that use only
// the Redis layer or the thread pool never need it. `require` (msgpackr ships a CommonJS build of
// the same source) loads it synchronously, so encoding and decoding stay synchronous functions.
// The one place popoto-ts loads it.

const require = createRequire(import.meta.url);

let loaded: typeof Msgpackr | undefined;

/** The msgpackr module, loaded on the first call. */
export function msgpackr(): typeof Msgpackr {
  return (loaded ??= require('msgpackr') as typeof Msgpackr);
}
