import type { Cluster, Redis } from 'ioredis';

/** A connection: a single Redis or a Redis Cluster (both ioredis). */
export type RedisClient = Redis | Cluster;

/**
 * What popoto-ts needs of a client it is handed, by shape rather than by class: an ioredis 5 or 6
 * `Redis` or `Cluster` from any copy of ioredis (an application's own, beside ours) has it. The
 * bulk operations use only methods that both major versions share.
 */
export interface RedisClientLike {
  /** ioredis's connection status (`'ready'`, `'end'`, ...). */
  readonly status: string;
  /** The client's options (read for its key prefix and credentials, never changed). */
  readonly options: object;
  /** True for a `Cluster`. */
  readonly isCluster: boolean;
  /** Sends one command (ioredis's low-level entry point). */
  sendCommand(...args: never[]): unknown;
  /** Starts a pipeline. */
  pipeline(...args: never[]): unknown;
  /** Listens to a client event (`'error'`, `'end'`, ...). */
  on(event: string, listener: (...args: never[]) => void): unknown;
}

/** Where a client is accepted: one of ours, or one of the same shape from another copy of ioredis. */
export type AnyRedisClient = RedisClient | RedisClientLike;

/**
 * True for an ioredis `Redis` or `Cluster` of any copy (version 5 or 6), checked by shape: a class
 * check (`instanceof`) would refuse the application's own ioredis whenever npm installed two copies.
 */
function isRedisClient(value: unknown): value is RedisClient {
  if (value === null || typeof value !== 'object') return false;
  const client = value as Partial<Record<string, unknown>>;
  const common =
    typeof client.status === 'string' &&
    typeof client.options === 'object' &&
    client.options !== null &&
    typeof client.sendCommand === 'function' &&
    typeof client.pipeline === 'function' &&
    typeof client.on === 'function';
  if (!common) return false;
  if (client.isCluster === true) return typeof client.nodes === 'function' && Array.isArray(client.slots);
  return client.isCluster === false && typeof client.duplicate === 'function';
}

/**
 * The `keyPrefix` ioredis puts in front of every key `client` sends (on a Cluster, the Cluster's
 * own, which ioredis takes from `redisOptions.keyPrefix` when not given). The one place that
 * reads it: the bulk operations add it to plan by slot, `scanKeys` matches under it and strips
 * it from what it yields, so that keys found are the keys the same client reads and writes.
 */
export function keyPrefixOf(client: AnyRedisClient): string {
  return prefixIn(client.options);
}

/** The `keyPrefix` of an ioredis options object (a Cluster's `redisOptions`, say), as `keyPrefixOf` reads it. */
export function prefixIn(options: object | undefined): string {
  const prefix = (options as { keyPrefix?: unknown } | undefined)?.keyPrefix;
  if (typeof prefix === 'string') return prefix;
  if (prefix === undefined || prefix === null) return '';
  // ioredis takes a Buffer too and sends its bytes. Those of valid UTF-8 are the string they spell
  // (what keys are here); any other bytes have no string form, so they are refused, never dropped.
  if (Buffer.isBuffer(prefix)) {
    const text = prefix.toString('utf8');
    if (Buffer.from(text, 'utf8').equals(prefix)) return text;
    throw new TypeError(
      'keyPrefix is a Buffer that is not valid UTF-8: popoto-ts names keys with strings and cannot ' +
        'place them under it; use a string keyPrefix',
    );
  }
  throw new TypeError(`keyPrefix must be a string or a Buffer, got ${typeof prefix}`);
}

/** True for a Redis Cluster client (of any copy of ioredis); false for anything else. */
export function isCluster(client: AnyRedisClient): client is Cluster {
  return typeof client === 'object' && client !== null && (client as { isCluster?: unknown }).isCluster === true;
}

/**
 * Names a value refused as a client without printing its contents: an object's options, or a
 * string that is really a URL, may hold a password.
 */
function describeNonClient(value: unknown): string {
  if (typeof value === 'string') return 'a string (not shown: it may hold a password)';
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? 'a function' : String(value);
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  const kind = typeof name === 'string' && name !== '' && name !== 'Object' ? `a ${name} object` : 'an object';
  return `${kind} (not shown: it may hold a password)`;
}

/** Throws a TypeError unless `value` is undefined or an ioredis client (by shape, see `isRedisClient`). */
export function assertOptionalClient(value: unknown, name = 'redis'): asserts value is RedisClient | undefined {
  if (value !== undefined && !isRedisClient(value)) {
    throw new TypeError(`${name} must be an ioredis (5 or 6) Redis or Cluster client, got ${describeNonClient(value)}`);
  }
}
