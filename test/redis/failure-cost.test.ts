// What a failed item costs the bulk operations: a group that fails is scrubbed of secrets once,
// not once per item, and a retry round of a few items allocates for those few, not for every
// item of the call. Failures come from a private server's ACL user (NOPERM), never a mock.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BulkOperationError, getMany, setMany } from '../../src/redis/index.js';
import { redactError } from '../../src/redis/secrets.js';
import { usePrivateRedis } from '../helpers/redis.js';

// The real redactError, counted: this file asks how often the bulk operations call it.
vi.mock('../../src/redis/secrets.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/redis/secrets.js')>();
  return { ...original, redactError: vi.fn(original.redactError) };
});

const server = usePrivateRedis();
let admin: Redis;
/** May read and write `ok:*` only: every other key fails with NOPERM. */
let restricted: Redis;

beforeAll(async () => {
  admin = new Redis(server().url);
  await admin.call('ACL', 'SETUSER', 'limited', 'on', '>limited-pw', '~ok:*', '&*', '+@all');
  restricted = new Redis({ port: server().port, username: 'limited', password: 'limited-pw' });
});
afterAll(() => {
  restricted.disconnect();
  admin.disconnect();
});

describe('failed items', () => {
  it('a failed 500-key group is scrubbed of secrets once, not once per item', async () => {
    const keys = Array.from({ length: 500 }, (_, i) => `denied:${i}`);
    vi.mocked(redactError).mockClear();
    const error = (await getMany(keys, { redis: restricted, batchSize: 500 }).catch(
      (e: unknown) => e,
    )) as BulkOperationError;
    expect(error).toBeInstanceOf(BulkOperationError);
    expect(error.failedIndexes).toHaveLength(500);
    expect(new Set(error.errors.map((e) => e.cause)).size).toBe(1);
    expect(String(error.errors[0]!.cause)).toMatch(/NOPERM/);
    expect(vi.mocked(redactError)).toHaveBeenCalledTimes(1);
  });

  it('a retry round of 3 items out of 20,011 allocates for 3, not for 20,011', async () => {
    const count = 20_011;
    const denied = [5, 10_000, 20_010];
    const entries = Array.from(
      { length: count },
      (_, i) => [denied.includes(i) ? `denied:${i}` : `ok:${i}`, 'v'] as [string, string],
    );
    const sizes: number[] = [];
    const Original = globalThis.Uint8Array;
    // Records the length of every Uint8Array made while setMany runs (by anyone: only the
    // sizes of the call's item count and of its failed items are looked at).
    globalThis.Uint8Array = new Proxy(Original, {
      construct(target, args: unknown[], newTarget: (...a: unknown[]) => unknown) {
        if (typeof args[0] === 'number') sizes.push(args[0]);
        return Reflect.construct(target, args, newTarget) as object;
      },
    });
    let error: unknown;
    try {
      error = await setMany(entries, { redis: restricted, expire: 60, retries: { retries: 2, minDelayMs: 1 } }).catch(
        (e: unknown) => e,
      );
    } finally {
      globalThis.Uint8Array = Original;
    }
    expect((error as BulkOperationError).failedIndexes).toEqual(denied);
    // The first round covers every item; each of the two retry rounds only the 3 that failed.
    expect(sizes.filter((size) => size === count)).toHaveLength(1);
    expect(sizes.filter((size) => size === denied.length)).toHaveLength(2);
    // Safe: `admin` is on this file's own private redis-server (usePrivateRedis), never the user's.
    await admin.flushall();
  });
});
