import { describeValue } from '../utils/errors.js';

/** The largest TTL accepted, in seconds. */
const MAX_EXPIRE_SECONDS = Number.MAX_SAFE_INTEGER;

/**
 * Throws unless `expire` is a TTL Redis accepts, in seconds: > 0 and at most
 * `Number.MAX_SAFE_INTEGER`. Redis refuses an expiry whose milliseconds overflow a 64-bit integer
 * (from about 9.2e15 s), and above 2^53 s a JavaScript number no longer counts whole seconds;
 * checked before anything is sent, rather than every item failing at Redis. The one rule for
 * every TTL popoto-ts sends (setMany, model saves).
 */
export function assertExpire(expire: unknown, name = 'expire'): asserts expire is number {
  if (typeof expire === 'number' && expire > 0 && expire <= MAX_EXPIRE_SECONDS) return;
  const message = `${name} must be a number of seconds > 0 and at most ${MAX_EXPIRE_SECONDS} (Number.MAX_SAFE_INTEGER), got ${describeValue(expire)}`;
  throw typeof expire === 'number' && !Number.isNaN(expire) ? new RangeError(message) : new TypeError(message);
}
