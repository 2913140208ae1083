// The data guard must be able to fail: each kind of damage is reported, and a guarded vitest
// run whose cleanup is broken exits non-zero. Against a private redis-server, so that the
// damage done here on purpose touches nobody's data.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded-server.js';
import { runNode } from './child-process.js';
import { CANARY_ROOT, guardRun, strictGuardWanted } from './data-guard.js';
import { keysUnder } from './scan.js';

let server: EmbeddedRedis;
let redis: Redis;

beforeAll(async () => {
  server = await startEmbeddedRedis();
  redis = new Redis(server.url);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

describe('guardRun', () => {
  it('plants string, hash, set, zset and list canaries, with and without a TTL, outside the test prefix', async () => {
    const guard = await guardRun(server.url, { runId: 'plant', strict: false });
    const canaries = await keysUnder(redis, `${CANARY_ROOT}plant:`);
    const types = await Promise.all(
      canaries.map(async (key) => `${await redis.type(key)}${key.endsWith(':ttl') ? '+ttl' : ''}`),
    );
    expect(types.sort()).toEqual(
      ['hash', 'hash+ttl', 'list', 'list+ttl', 'set', 'set+ttl', 'string', 'string+ttl', 'zset', 'zset+ttl'].sort(),
    );
    expect(guard.runPrefix).toBe('popoto-test:plant:');
    expect(canaries.every((key) => !key.startsWith('popoto-test:'))).toBe(true);
    expect(await guard.check()).toEqual([]);
    expect(await keysUnder(redis, `${CANARY_ROOT}plant:`)).toEqual([]);
  });

  it('reports a canary deleted, changed, stripped of its TTL or given one, and keys left under the run prefix', async () => {
    const guard = await guardRun(server.url, { runId: 'harm', strict: false });
    const canary = (name: string): string => `${CANARY_ROOT}harm:${name}`;
    await redis.del(canary('string'));
    await redis.hset(canary('hash:ttl'), 'field', 'changed');
    await redis.zadd(canary('zset'), 3, 'c');
    await redis.persist(canary('set:ttl'));
    await redis.expire(canary('list'), 60);
    await redis.set(`${guard.runPrefix}forgotten`, '1');
    expect((await guard.check()).sort()).toEqual(
      [
        `canary ${canary('string')} was deleted`,
        `canary ${canary('hash:ttl')} was changed`,
        `canary ${canary('zset')} was changed`,
        `canary ${canary('set:ttl')} lost its TTL`,
        `canary ${canary('list')} was given a TTL`,
        `left behind under ${guard.runPrefix}: ${guard.runPrefix}forgotten`,
      ].sort(),
    );
    await redis.del(`${guard.runPrefix}forgotten`);
  });
});

describe('the strict guard (CI)', () => {
  it('also reports keys written outside the run prefix and left there', async () => {
    await redis.set('there-before', '1');
    const guard = await guardRun(server.url, { runId: 'strict', strict: true });
    await redis.set('User:1', 'written without the prefix');
    await redis.set(`${guard.runPrefix}own`, '1');
    await redis.del('there-before');
    expect(await guard.check()).toEqual([
      `left behind under ${guard.runPrefix}: ${guard.runPrefix}own`,
      `written outside ${guard.runPrefix} and left: User:1`,
    ]);
    await redis.del('User:1');
  });

  it('is on in CI or when asked for, off otherwise', () => {
    expect(strictGuardWanted({ CI: 'true' })).toBe(true);
    expect(strictGuardWanted({ POPOTO_TEST_GUARD: 'strict' })).toBe(true);
    expect(strictGuardWanted({})).toBe(false);
  });
});

describe('a guarded vitest run', () => {
  const guardedRun = (fixture: string) =>
    runNode(['node_modules/vitest/vitest.mjs', 'run', '--config', 'test/fixtures/guard/vitest.config.ts'], {
      env: { REDIS_URL: server.url, GUARD_FIXTURE: fixture, CI: 'true' },
      killAfterMs: 50_000,
    });

  it('passes when the tests clean up under their own prefix', async () => {
    const outcome = await guardedRun('clean');
    expect(outcome.stderr).not.toContain('DATA GUARD FAILED');
    expect(outcome.code).toBe(0);
  });

  it('fails when a cleanup deletes what is not its own (KEYS * on a prefixed client)', async () => {
    await redis.set('users-own-key', 'precious');
    const outcome = await guardedRun('keys-star-cleanup');
    expect(outcome.stderr).toContain('DATA GUARD FAILED');
    expect(outcome.stderr).toMatch(/canary popoto-canary:\w+:string was deleted/);
    expect(outcome.code).toBe(1);
    // The bug the guard catches, shown on the user's own key too.
    expect(await redis.exists('users-own-key')).toBe(0);
  }, 60_000);

  it('fails when a test leaves keys under the run prefix', async () => {
    const outcome = await guardedRun('leftover');
    expect(outcome.stderr).toMatch(/left behind under popoto-test:\w+:: popoto-test:\w+:forgotten/);
    expect(outcome.code).toBe(1);
    for (const key of await keysUnder(redis, 'popoto-test:')) await redis.del(key);
  }, 60_000);
});
