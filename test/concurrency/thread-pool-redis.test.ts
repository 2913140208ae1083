// A ThreadPool task module that uses Redis through popoto-ts/redis, against the real test Redis.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ThreadPool } from '../../src/concurrency/index.js';
import type summarize from '../fixtures/threads/redis-records.js';
import { sleep } from '../helpers/async.js';
import { newRedis, redisUrl, useKeyPrefix } from '../helpers/redis.js';

const redis = newRedis();
const prefix = useKeyPrefix(redis);

/** Connections to the test Redis whose client name is `name`. */
async function connectionsNamed(name: string): Promise<number> {
  const list = (await redis.client('LIST')) as string;
  return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
}

describe('ThreadPool with a task module that uses popoto-ts/redis', () => {
  it('reads, computes and writes back on every thread, one connection per thread, closed on close()', async () => {
    const p = prefix();
    const keys = Array.from({ length: 200 }, (_, i) => `${p}record:${i}`);
    const pipeline = redis.pipeline();
    keys.forEach((key, i) => pipeline.set(key, JSON.stringify({ prices: [i, i + 1, i + 2] })));
    await pipeline.exec();

    const name = `popoto-test-pool-${randomBytes(4).toString('hex')}`;
    const pool = new ThreadPool<typeof summarize>(new URL('../fixtures/threads/redis-records.ts', import.meta.url), {
      maxThreads: 2,
      env: { ...process.env, REDIS_URL: redisUrl(), POPOTO_TEST_CONNECTION_NAME: name },
    });
    let closed = false;
    try {
      // On a loaded machine one thread can come up after the other has done the whole run: run
      // again (the work is idempotent) until both have taken part, a bounded number of times.
      const threads = new Set<number>();
      for (let run = 0; run < 20 && threads.size < 2; run++) {
        const results = await pool.runAll(keys);
        expect(results.map((r) => r.total)).toEqual(keys.map((_, i) => 3 * i + 3));
        for (const { threadId } of results) threads.add(threadId);
      }
      const written = await redis.mget(keys.map((key) => `${key}:total`));
      expect(written).toEqual(keys.map((_, i) => String(3 * i + 3)));
      expect(threads.size).toBe(2);
      expect(await connectionsNamed(name)).toBe(threads.size);

      await pool.close();
      closed = true;
      // The server drops a client right after replying to its QUIT; allow it that moment.
      for (let i = 0; i < 100 && (await connectionsNamed(name)) > 0; i++) await sleep(20);
      expect(await connectionsNamed(name)).toBe(0);
    } finally {
      if (!closed) await pool.close();
    }
  });
});
