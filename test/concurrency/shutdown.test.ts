// Process-level behaviour: background work survives SIGTERM/SIGINT when the hooks are
// installed, and the library never keeps a finished program alive.
import { describe, expect, it } from 'vitest';
import { newRedis, scanAll, useKeyPrefix } from '../helpers/redis.js';
import { DUPLICATE_SIGNAL_MS } from '../../src/concurrency/signals.js';
import { runFixture } from '../helpers/child-process.js';

const redis = newRedis();
const prefix = useKeyPrefix(redis);

/** Keys matching `pattern` on the test Redis (SCAN). */
async function countKeys(pattern: string): Promise<number> {
  return (await scanAll(redis, pattern)).length;
}

describe('installShutdownHooks in a real process', () => {
  it('SIGTERM during 2000 background writes: all 2000 land, then exit code 143', async () => {
    const p = prefix();
    const outcome = await runFixture('background-writer.ts', [p, '2000', 'hooks'], {
      on: { when: /fired/, then: (child) => child.kill('SIGTERM') },
    });
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(143);
    expect(await countKeys(`${p}*`)).toBe(2000);
  });

  it('SIGINT drains too and exits with 130', async () => {
    const p = prefix();
    const outcome = await runFixture('background-writer.ts', [p, '300', 'hooks'], {
      on: { when: /fired/, then: (child) => child.kill('SIGINT') },
    });
    expect(outcome.code).toBe(130);
    expect(await countKeys(`${p}*`)).toBe(300);
  });

  it('gives up after timeoutMs, says how much was left, and exits with 143 anyway', async () => {
    const p = prefix();
    const outcome = await runFixture('background-writer.ts', [p, '5', 'hooks', '30000', '300'], {
      on: { when: /fired/, then: (child) => child.kill('SIGTERM') },
    });
    expect(outcome.code).toBe(143);
    expect(outcome.stderr).toBe('popoto-ts: exiting on SIGTERM with 5 background task(s) still pending after 300 ms\n');
    expect(await countKeys(`${p}*`)).toBe(0);
  });

  it('a second signal while draining, a second or more after the first, exits at once', async () => {
    const p = prefix();
    // Without the second signal the drain would wait 30 s for the writes, and the hang
    // detector would SIGKILL the child (code null) first.
    const outcome = await runFixture('background-writer.ts', [p, '5', 'hooks', '30000', '30000'], {
      on: {
        when: /fired/,
        then: (child) => {
          child.kill('SIGTERM');
          // A second or more after the first: the input under test, not a wait.
          setTimeout(() => child.kill('SIGTERM'), DUPLICATE_SIGNAL_MS + 200);
        },
      },
    });
    expect(outcome.code).toBe(143);
    expect(await countKeys(`${p}*`)).toBe(0);
  });

  it('one signal delivered twice (as `timeout` and terminals do) still drains everything', async () => {
    const p = prefix();
    const outcome = await runFixture('background-writer.ts', [p, '2000', 'hooks'], {
      on: {
        when: /fired/,
        then: (child) => {
          child.kill('SIGTERM');
          // Well within DUPLICATE_SIGNAL_MS: the same signal delivered twice.
          setTimeout(() => child.kill('SIGTERM'), 10);
        },
      },
    });
    expect(outcome.code).toBe(143);
    expect(await countKeys(`${p}*`)).toBe(2000);
  });

  it('without the hooks, SIGTERM loses the pending writes (what Python daemon threads do)', async () => {
    const p = prefix();
    const outcome = await runFixture('background-writer.ts', [p, '2000', 'no-hooks'], {
      on: { when: /fired/, then: (child) => child.kill('SIGTERM') },
    });
    expect(outcome.signal).toBe('SIGTERM');
    expect(await countKeys(`${p}*`)).toBeLessThan(2000);
  });
});

describe('no referenced handles', () => {
  it('a program that used every feature and finished its work exits on its own', async () => {
    const outcome = await runFixture('exits-on-its-own.ts', [], { killAfterMs: 20_000 });
    expect(outcome.stderr).toBe('');
    expect(outcome.stdout).toBe('done\n');
    expect(outcome.code).toBe(0);
  });
});
