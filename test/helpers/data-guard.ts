// The proof that a test run leaves the user's Redis as it found it. Before the first test,
// canary keys of every type, with and without a TTL, are written outside every test prefix;
// after the last test the run fails if any canary was deleted, changed or lost its TTL, or if
// any key is left under the run's own prefix. A test that cleans up too widely (KEYS '*', a
// FLUSHDB, an unprefixed UNLINK) or not at all cannot pass unnoticed.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { keysUnder } from './scan.js';

/** Where canaries live: outside `popoto-test:`, so no test prefix can cover them. */
export const CANARY_ROOT = 'popoto-canary:';

/** Every key a test writes to the user's Redis starts with this, followed by the run's id. */
export const TEST_ROOT = 'popoto-test:';

/** Leftover keys listed by name in a failed guard's report; the rest are counted. */
const MAX_LISTED = 20;

/** TTL of the canaries that have one: long enough to outlive any run. */
const CANARY_TTL_SECONDS = 3600;

interface Canary {
  key: string;
  /** DUMP of the value as planted: any change to the value changes it. */
  dump: Buffer;
  withTtl: boolean;
}

/** What the guard found wrong: one line per damaged canary or leftover key. */
export type Damage = string[];

/** A run's guard: check it after the last test (it also removes the canaries). */
export interface RunGuard {
  /** The key prefix every test of this run writes under, e.g. `popoto-test:3f9a0c:`. */
  readonly runPrefix: string;
  /** Compares the canaries with what was planted, looks for leftovers, removes the canaries. */
  check(): Promise<Damage>;
}

/** Options of `guardRun`. */
export interface GuardOptions {
  /** The run's id (random by default): the run prefix is `popoto-test:<id>:`. */
  runId?: string;
  /**
   * Also fail on any key that appeared outside the run prefix during the run (a test that wrote
   * `User:1` unprefixed and left it). Only for a Redis that nothing else writes to while the
   * tests run, such as CI's: on a shared development Redis, other programs' new keys would count.
   * Default: on when `CI=true` or `POPOTO_TEST_GUARD=strict`.
   */
  strict?: boolean;
}

/** Whether this environment asks for the strict guard (see `GuardOptions.strict`). */
export function strictGuardWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.POPOTO_TEST_GUARD === 'strict';
}

/** Plants the canaries of a new run in the Redis at `url` and returns its guard. */
export async function guardRun(url: string, options: GuardOptions = {}): Promise<RunGuard> {
  const { runId = randomBytes(6).toString('hex'), strict = strictGuardWanted() } = options;
  const runPrefix = `${TEST_ROOT}${runId}:`;
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  await redis.connect();
  try {
    const canaries = await plantCanaries(redis, `${CANARY_ROOT}${runId}:`);
    // Strict: every key there before the first test (the canaries included), to tell new ones by.
    const before = strict ? new Set(await keysUnder(redis, '')) : undefined;
    return {
      runPrefix,
      async check() {
        const checker = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
        await checker.connect();
        try {
          const damage = await inspectCanaries(checker, canaries);
          const leftovers = await keysUnder(checker, runPrefix);
          for (const key of leftovers.slice(0, MAX_LISTED)) damage.push(`left behind under ${runPrefix}: ${key}`);
          if (leftovers.length > MAX_LISTED) {
            damage.push(`... ${leftovers.length} keys in all were left behind under ${runPrefix}`);
          }
          if (before !== undefined) {
            const strays = (await keysUnder(checker, '')).filter((k) => !before.has(k) && !k.startsWith(runPrefix));
            for (const key of strays.slice(0, MAX_LISTED)) damage.push(`written outside ${runPrefix} and left: ${key}`);
            if (strays.length > MAX_LISTED) damage.push(`... ${strays.length} keys in all outside ${runPrefix}`);
          }
          // Reported, then removed: they are the run's own, and the user's Redis should not keep them.
          for (const key of [...leftovers, ...canaries.map((c) => c.key)]) await checker.unlink(key);
          return damage;
        } finally {
          checker.disconnect();
        }
      },
    };
  } finally {
    redis.disconnect();
  }
}

/** Writes one canary of each type (string, hash, set, zset, list), each with and without a TTL. */
export async function plantCanaries(redis: Redis, prefix: string): Promise<Canary[]> {
  const canaries: Canary[] = [];
  for (const withTtl of [false, true]) {
    const name = (type: string): string => `${prefix}${type}${withTtl ? ':ttl' : ''}`;
    const writes: [string, () => Promise<unknown>][] = [
      [name('string'), () => redis.set(name('string'), 'user data, not ours')],
      [name('hash'), () => redis.hset(name('hash'), { field: 'value', other: '42' })],
      [name('set'), () => redis.sadd(name('set'), 'a', 'b', 'c')],
      [name('zset'), () => redis.zadd(name('zset'), 1, 'a', 2.5, 'b')],
      [name('list'), () => redis.rpush(name('list'), 'x', 'y')],
    ];
    for (const [key, write] of writes) {
      await write();
      if (withTtl) await redis.expire(key, CANARY_TTL_SECONDS);
      const dump = await redis.dumpBuffer(key);
      if (dump === null) throw new Error(`canary ${key} could not be read back after writing it`);
      canaries.push({ key, dump, withTtl });
    }
  }
  return canaries;
}

/** One line per canary that is gone, holds another value, or gained or lost a TTL. */
export async function inspectCanaries(redis: Redis, canaries: readonly Canary[]): Promise<Damage> {
  const damage: Damage = [];
  for (const canary of canaries) {
    const dump = await redis.dumpBuffer(canary.key);
    if (dump === null) {
      damage.push(`canary ${canary.key} was deleted`);
      continue;
    }
    if (!dump.equals(canary.dump)) damage.push(`canary ${canary.key} was changed`);
    const ttl = await redis.pttl(canary.key);
    if (canary.withTtl && ttl < 0) damage.push(`canary ${canary.key} lost its TTL`);
    if (!canary.withTtl && ttl >= 0) damage.push(`canary ${canary.key} was given a TTL`);
  }
  return damage;
}

/** The message a failed guard prints (and the run fails with). */
export function describeDamage(damage: Damage): string {
  return [
    '',
    'DATA GUARD FAILED: this test run touched data that is not its own, or left keys behind:',
    ...damage.map((line) => `  - ${line}`),
    '',
  ].join('\n');
}

/**
 * Checks `guard` and, if anything was damaged or left behind, prints what and fails the run.
 * Vitest reports an error thrown by a global teardown but still exits 0, so the guard sets the
 * exit code itself (data-guard.test.ts runs guarded child runs to prove that they fail).
 */
export async function failOnDamage(guard: RunGuard | undefined): Promise<void> {
  const damage = (await guard?.check()) ?? [];
  if (damage.length === 0) return;
  process.stderr.write(describeDamage(damage));
  process.exitCode = 1;
}
