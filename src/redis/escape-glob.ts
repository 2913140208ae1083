import { describeValue } from '../utils/errors.js';

/**
 * Escapes Redis glob syntax (`* ? [ ] \`) so that user text inside a SCAN / KEYS pattern
 * matches literally: `scanKeys(\`user:${escapeGlob(name)}:*\`)`.
 */
export function escapeGlob(text: string): string {
  if (typeof text !== 'string') throw new TypeError(`text must be a string, got ${describeValue(text)}`);
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
