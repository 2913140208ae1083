// Ctrl-C in the middle of the demo or the bench: they write to the user's Redis, so an
// interrupted run must still delete what it wrote (and nothing else), then exit 130.
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runCli, runTs, type ChildOutcome } from '../helpers/child-process.js';
import { keysUnder, newRedis, redisUrl } from '../helpers/redis.js';

const redis = newRedis();

/** Sends SIGINT as soon as `when` first shows in the output. */
function interruptOn(when: RegExp) {
  return { when, then: (child: ChildProcess) => child.kill('SIGINT') };
}

/** The first progress line of the demo's first phase with a count above 0: keys have been written. */
const SAVES_WRITTEN = /model saves, sequential: [1-9]/;

/** The namespace a run announced (`writing under <prefix> ...`). */
function namespaceOf(outcome: ChildOutcome): string {
  const prefix = /writing under (\S+) \(deleted at the end, and on Ctrl-C\)/.exec(outcome.stdout + outcome.stderr)?.[1];
  if (prefix === undefined) throw new Error(`no namespace announced:\n${outcome.stdout}\n${outcome.stderr}`);
  return prefix;
}

describe('interrupted with Ctrl-C (SIGINT)', () => {
  it('the demo deletes every key it wrote and exits 130', async () => {
    const outcome = await runCli(
      ['demo', '--records', '20000'],
      { REDIS_URL: redisUrl() },
      {
        on: interruptOn(SAVES_WRITTEN),
      },
    );
    const prefix = namespaceOf(outcome);
    expect(prefix).toMatch(/^popoto-demo:[0-9a-f]{8}:$/);
    expect(outcome.code).toBe(130);
    // Keys had been written (the interrupt came mid-restore), and were deleted.
    expect(outcome.stderr).toMatch(/deleted [1-9]\d* key\(s\); nothing is left under popoto-demo:/);
    // Progress stops drawing once the interruption is announced.
    const afterInterrupt = outcome.stderr.slice(outcome.stderr.indexOf('interrupted:'));
    expect(afterInterrupt.trim().split('\n')).toEqual([
      expect.stringMatching(/^interrupted: deleting the keys written under popoto-demo:/),
      expect.stringMatching(/^deleted \d+ key\(s\)/),
    ]);
    expect(await keysUnder(redis, prefix)).toEqual([]);
  });

  it('the demo still deletes everything when the one Ctrl-C arrives twice (as `timeout` sends it)', async () => {
    const outcome = await runCli(
      ['demo', '--records', '20000'],
      { REDIS_URL: redisUrl() },
      {
        on: {
          when: SAVES_WRITTEN,
          then: (child) => {
            child.kill('SIGINT');
            // The same Ctrl-C delivered again well within DUPLICATE_SIGNAL_MS: an input, not a wait.
            setTimeout(() => child.kill('SIGINT'), 10);
          },
        },
      },
    );
    const prefix = namespaceOf(outcome);
    expect(outcome.code).toBe(130);
    expect(outcome.stderr).toMatch(/deleted [1-9]\d* key\(s\); nothing is left under popoto-demo:/);
    expect(await keysUnder(redis, prefix)).toEqual([]);
  });

  it('the bench deletes every key it wrote and exits 130', async () => {
    const outcome = await runTs('bench/main.ts', ['bulk'], {
      env: { REDIS_URL: redisUrl(), BENCH_ROUNDS: '1' },
      // After seeding ("measuring" comes once the keys are written), so there is something to delete.
      on: interruptOn(/measuring/),
    });
    const prefix = namespaceOf(outcome);
    expect(prefix).toMatch(/^popoto-bench:[0-9a-f]{8}:$/);
    expect(outcome.code).toBe(130);
    expect(outcome.stderr).toMatch(/deleted [1-9]\d* key\(s\); nothing is left under popoto-bench:/);
    expect(await keysUnder(redis, prefix)).toEqual([]);
  });
});
