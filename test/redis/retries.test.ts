// `retries` on the bulk operations: runAllMultithreaded's shape, only the failed items sent
// again, what a failed getMany still returns, publishMany's refusal, and option values at the
// edges (concurrency Number.MAX_VALUE). Exact command counts come from a private server.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runAllMultithreaded, streamAllMultithreaded } from '../../src/concurrency/index.js';
import { Publisher } from '../../src/pubsub/index.js';
import {
  BulkOperationError,
  deleteMany,
  getMany,
  publishMany,
  setMany,
  type RedisClient,
} from '../../src/redis/index.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded-server.js';
import { TaskError } from '../../src/utils/errors.js';
import { failOnWarningsAndUnhandledRejections } from '../helpers/process-warnings.js';

failOnWarningsAndUnhandledRejections();

let server: EmbeddedRedis;
let admin: Redis;
/** A user that may read and write `ok:*` only: every other key fails with NOPERM. */
let restricted: Redis;

beforeAll(async () => {
  server = await startEmbeddedRedis();
  admin = new Redis({ port: server.port });
  await admin.call('ACL', 'SETUSER', 'limited', 'on', '>limited-pw', '~ok:*', '&*', '+@all');
  restricted = new Redis({
    port: server.port,
    username: 'limited',
    password: 'limited-pw',
    enableAutoPipelining: true,
  });
});
afterAll(async () => {
  restricted.disconnect();
  admin.disconnect();
  await server.stop();
});
beforeEach(async () => {
  // Safe: `admin` is on the private redis-server this file started (startEmbeddedRedis), never the user's.
  await admin.flushall();
  await admin.config('RESETSTAT');
});

/** How many times the server ran `command` since the last RESETSTAT, and how many it refused (NOPERM). */
async function calls(command: string): Promise<{ ran: number; refused: number }> {
  const stats = await admin.info('commandstats');
  const line = new RegExp(`cmdstat_${command}:(.*)`).exec(stats)?.[1] ?? '';
  const field = (name: string): number => Number(new RegExp(`${name}=(\\d+)`).exec(line)?.[1] ?? 0);
  return { ran: field('calls'), refused: field('rejected_calls') };
}

const entries = Array.from(
  { length: 300 },
  (_, i) => [i % 7 === 0 ? `denied:${i}` : `ok:${i}`, `v${i}`] as [string, string],
);
const denied = entries.map((_, i) => i).filter((i) => i % 7 === 0);

describe('retries', () => {
  it('sends only the failed items again, as many times as asked, and still names them if they keep failing', async () => {
    let asked = 0;
    const error = (await setMany(entries, {
      redis: restricted,
      expire: 60,
      retries: {
        retries: 2,
        minDelayMs: 1,
        retryIf: (e) => {
          asked++;
          return /NOPERM/.test(String(e));
        },
      },
    }).catch((e: unknown) => e)) as BulkOperationError;
    expect(error).toBeInstanceOf(BulkOperationError);
    expect(error.failedIndexes).toEqual(denied);
    expect(asked).toBe(denied.length * 2);
    // Each SET EX is one command: 257 ran once, the 43 refused ones were sent 3 times each.
    expect(await calls('set')).toEqual({ ran: 300 - denied.length, refused: denied.length * 3 });
    expect(await admin.dbsize()).toBe(300 - denied.length);
  });

  it('does not retry what retryIf refuses, and fails an item with what retryIf throws', async () => {
    const refused = (await setMany(entries, {
      redis: restricted,
      expire: 10,
      retries: { retries: 5, minDelayMs: 1, retryIf: () => false },
    }).catch((e: unknown) => e)) as BulkOperationError;
    expect(refused.failedIndexes).toEqual(denied);
    expect((await calls('set')).refused).toBe(denied.length);
    const verdict = new Error('cannot decide');
    const thrown = (await setMany(entries, {
      redis: restricted,
      expire: 10,
      retries: {
        retries: 5,
        minDelayMs: 1,
        retryIf: () => {
          throw verdict;
        },
      },
    }).catch((e: unknown) => e)) as BulkOperationError;
    expect(thrown.failedIndexes).toEqual(denied);
    expect(thrown.errors.every((e: TaskError) => e.cause === verdict)).toBe(true);
  });

  it('takes a plain count too, and rejects malformed retries as runAllMultithreaded does', async () => {
    await setMany(
      entries.filter(([key]) => key.startsWith('ok:')),
      { redis: restricted, retries: 3 },
    );
    const redis = restricted as RedisClient;
    await expect(getMany(['ok:1'], { redis, retries: -1 })).rejects.toThrow(
      new RangeError('retries must be an integer >= 0, got -1'),
    );
    await expect(getMany(['ok:1'], { redis, retries: { retries: 1, minDelayMs: 10, maxDelayMs: 5 } })).rejects.toThrow(
      /^retries\.maxDelayMs must be a number of milliseconds from 10 to/,
    );
    await expect(getMany(['ok:1'], { redis, retries: { retries: 1, retryIf: 'yes' as never } })).rejects.toThrow(
      new TypeError("retries.retryIf must be a function, got 'yes'"),
    );
    await expect(deleteMany(['ok:1'], { redis, retries: 'twice' as never })).rejects.toThrow(
      new TypeError("retries must be an integer >= 0 or a RetryOptions object, got 'twice'"),
    );
    expect(await calls('unlink')).toEqual({ ran: 0, refused: 0 });
  });

  it('stops waiting between rounds when the signal aborts, naming the items not written', async () => {
    const controller = new AbortController();
    const reason = new Error('shutting down');
    const writing = setMany(entries, {
      redis: restricted,
      expire: 10,
      signal: controller.signal,
      retries: { retries: 5, minDelayMs: 60_000 },
    });
    setTimeout(() => controller.abort(reason), 200);
    const error = (await writing.catch((e: unknown) => e)) as BulkOperationError;
    expect(error).toBeInstanceOf(BulkOperationError);
    expect(error.cause).toBe(reason);
    expect(error.failedIndexes).toEqual(denied);
  });
});

describe('a getMany that fails', () => {
  it('still hands over every value it read (results), undefined where it failed', async () => {
    const keys = Array.from({ length: 50 }, (_, i) => (i % 10 === 3 ? `denied:${i}` : `ok:${i}`));
    await admin.mset(...keys.flatMap((key) => [key, `value of ${key}`]));
    // One key per MGET, so that only the denied keys fail.
    const error = (await getMany(keys, { redis: restricted, batchSize: 1 }).catch(
      (e: unknown) => e,
    )) as BulkOperationError<string | null>;
    expect(error).toBeInstanceOf(BulkOperationError);
    expect(error.failedIndexes).toEqual([3, 13, 23, 33, 43]);
    expect(error.results).toEqual(keys.map((key, i) => (i % 10 === 3 ? undefined : `value of ${key}`)));
    expect(error.message).toMatch(/^getMany: 5 of 50 items not confirmed \(first: task 3 failed: NOPERM/);
  });
});

describe('publishMany', () => {
  it('refuses retries, saying why, before sending anything', async () => {
    const message =
      'publishMany takes no retries option: a PUBLISH whose reply was lost may still have been delivered, so ' +
      'sending it again could deliver it twice; retry error.failedIndexes yourself if at-least-once is what you want';
    await expect(publishMany([['ch', 'm']], { redis: admin, retries: 2 } as never)).rejects.toThrow(
      new TypeError(message),
    );
    await expect(new Publisher({ redis: admin }).publishMany([['ch', 'm']], { retries: 2 } as never)).rejects.toThrow(
      /options has no option "retries"/,
    );
    expect(await calls('publish')).toEqual({ ran: 0, refused: 0 });
  });
});

describe('concurrency at its edges', () => {
  it('takes Number.MAX_VALUE as unbounded, everywhere a concurrency is taken', async () => {
    const huge = { concurrency: Number.MAX_VALUE };
    expect(await runAllMultithreaded((n: number) => n * 2, [1, 2, 3], huge)).toEqual([2, 4, 6]);
    const streamed: number[] = [];
    for await (const n of streamAllMultithreaded((n: number) => n + 1, [1, 2, 3], huge)) streamed.push(n);
    expect(streamed).toEqual([2, 3, 4]);
    await setMany([['ok:a', '1']], { redis: admin, ...huge });
    expect(await getMany(['ok:a'], { redis: admin, ...huge })).toEqual(['1']);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.MIN_VALUE])('refuses %s naming concurrency', async (concurrency) => {
    await expect(getMany(['ok:a'], { redis: admin, concurrency })).rejects.toThrow(
      /^concurrency must be an integer >= 1 or Infinity, got /,
    );
    await expect(runAllMultithreaded((n: number) => n, [1], { concurrency })).rejects.toThrow(
      /^concurrency must be an integer >= 1 or Infinity, got /,
    );
  });
});
