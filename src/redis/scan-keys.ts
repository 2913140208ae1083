import type { Cluster, Redis } from 'ioredis';
import { AsyncQueue } from '../concurrency/async-queue.js';
import { describeValue } from '../utils/errors.js';
import { runAllMultithreaded } from '../concurrency/index.js';
import {
  assertInteger,
  assertKnownKeys,
  assertOptionalSignal,
  assertOptionalString,
  assertOptionsObject,
  optionNames,
} from '../utils/validate.js';
import { masterForSlot } from './cluster-nodes.js';
import { keyPrefixOf } from './client-shape.js';
import { isCluster, useRedis, type RedisSource } from './connection.js';
import { escapeGlob } from './escape-glob.js';
import { keySlot } from './key-slot.js';

/** Options of `scanKeys`. */
export interface ScanKeysOptions {
  /** SCAN's COUNT hint: keys examined per call. Default 1000. */
  count?: number;
  /** Only keys of this Redis type (`string`, `hash`, `zset`, ...): SCAN's TYPE filter. */
  type?: string;
  /** Aborting stops scanning; iteration throws `signal.reason`. */
  signal?: AbortSignal;
  /** The client to use, or the `RedisConnection` whose client to use. Default: the shared connection. */
  redis?: RedisSource;
}

/** The option names of `scanKeys`, from its declaration. */
const SCAN_KEYS_OPTIONS = optionNames<ScanKeysOptions>({ count: true, type: true, signal: true, redis: true });

/**
 * Every key matching any of `patterns`, as an async iterable: SCAN (never KEYS, so Redis is
 * never blocked), all patterns and, on a cluster, every master concurrently, each key once
 * (SCAN may return a key twice, and patterns may overlap). Keys come in no particular order.
 * Memory grows with the number of distinct keys (they are remembered to de-duplicate).
 * On a cluster a pattern whose hash tag is literal (`user:{42}:*`) is scanned only on the
 * master that owns that slot. `break` stops every scan. On a connection already closed, iteration
 * throws a RedisClosedError: a stream of found keys has no items to confirm, so it is not a
 * BulkOperationError.
 *
 * With a client that has a `keyPrefix`, everything is relative to it, as in the other bulk
 * operations: each pattern matches only keys under the prefix (taken literally), and each key is
 * yielded without it, ready for `getMany`, `setMany` or `deleteMany` on the same client. (SCAN
 * itself ignores `keyPrefix`: on its own it would see every key of the server.)
 *
 * Put user text inside a pattern through `escapeGlob`.
 *
 * @example
 * for await (const key of scanKeys(['user:*', 'session:*'])) console.log(key);
 */
export function scanKeys(
  patterns: string | Iterable<string>,
  options?: ScanKeysOptions,
): AsyncIterableIterator<string> {
  const list = validatePatterns(patterns);
  assertOptionsObject(options, 'options');
  assertKnownKeys(options, SCAN_KEYS_OPTIONS, 'options');
  const count = options?.count ?? 1000;
  assertInteger(count, 'count', 1);
  // Redis reads COUNT as a 64-bit integer; beyond 2^53 a JavaScript number is not sent exactly.
  if (count > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`count must be an integer from 1 to ${Number.MAX_SAFE_INTEGER}, got ${describeValue(count)}`);
  }
  assertOptionalString(options?.type, 'type');
  assertOptionalSignal(options?.signal, 'signal');
  return scan(list, count, options);
}

async function* scan(patterns: string[], count: number, options: ScanKeysOptions | undefined): AsyncGenerator<string> {
  const client = await useRedis(options?.redis);
  const prefix = keyPrefixOf(client);
  // The prefix as Redis stored it (a lone surrogate is U+FFFD there), to strip from SCAN's replies.
  const stored = Buffer.from(prefix, 'utf8').toString('utf8');
  const matches = patterns.map((pattern) => escapeGlob(prefix) + pattern);
  const sources = isCluster(client)
    ? matches.flatMap((pattern) => mastersFor(client, pattern).map((node) => ({ node, pattern })))
    : matches.map((pattern) => ({ node: client, pattern }));
  const extra = options?.type === undefined ? [] : ['TYPE', options.type];
  const queue = new AsyncQueue<string[]>(Math.max(4, sources.length * 2));
  runAllMultithreaded(
    async ({ node, pattern }: { node: Redis; pattern: string }) => {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count, ...(extra as []));
        cursor = next;
        if (keys.length > 0 && !(await queue.push(keys))) return;
      } while (cursor !== '0' && !queue.isCancelled);
    },
    sources,
    { concurrency: Infinity, signal: options?.signal },
  ).then(
    () => queue.end(),
    (error: unknown) => queue.fail(error),
  );
  const seen = new Set<string>();
  for await (const keys of queue) {
    for (const found of keys) {
      let key = found;
      if (stored !== '') {
        // Every key SCAN returned matched the escaped prefix; the check keeps it that way.
        if (!found.startsWith(stored)) continue;
        key = found.slice(stored.length);
      }
      if (seen.has(key)) continue;
      seen.add(key);
      yield key;
    }
  }
}

function validatePatterns(patterns: string | Iterable<string>): string[] {
  const list =
    typeof patterns === 'string'
      ? [patterns]
      : patterns !== null && typeof patterns === 'object' && Symbol.iterator in patterns
        ? [...patterns]
        : undefined;
  if (list === undefined) {
    throw new TypeError(`patterns must be a string or an iterable of strings, got ${describeValue(patterns)}`);
  }
  if (list.length === 0) throw new RangeError('patterns must hold at least one pattern, got none');
  list.forEach((pattern, i) => {
    if (typeof pattern !== 'string')
      throw new TypeError(`patterns[${i}] must be a string, got ${describeValue(pattern)}`);
    if (pattern === '') throw new RangeError(`patterns[${i}] must not be empty (use '*' for every key)`);
  });
  return [...new Set(list)];
}

/**
 * The masters that can hold keys matching `pattern`: all of them, unless everything up to the
 * pattern's hash tag is literal, in which case every matching key hashes to that tag's slot.
 */
function mastersFor(cluster: Cluster, pattern: string): Redis[] {
  const slot = literalHashTagSlot(pattern);
  const owner = slot === undefined ? undefined : masterForSlot(cluster, slot);
  return owner === undefined ? cluster.nodes('master') : [owner];
}

function literalHashTagSlot(pattern: string): number | undefined {
  const open = pattern.indexOf('{');
  const close = pattern.indexOf('}', open + 1);
  if (open === -1 || close === -1 || close === open + 1) return undefined;
  if (/[*?[\]\\]/.test(pattern.slice(0, close + 1))) return undefined;
  return keySlot(pattern.slice(0, close + 1));
}
