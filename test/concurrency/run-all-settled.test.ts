// test tier: unit
// runAllSettled: the form that loses no result — every success and every failure, by index.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { runAllSettled, TaskTimeoutError, type SettledResult } from '../../src/concurrency/index.js';
import { sleep } from '../helpers/async.js';

describe('runAllSettled', () => {
  it('gives every success and every failure, in input order, with its index', async () => {
    const odd = new Error('odd');
    const outcomes = await runAllSettled(
      async (n: number) => {
        await sleep((n * 7) % 5);
        if (n % 2 === 1) throw odd;
        return n * 10;
      },
      [0, 1, 2, 3],
    );
    expect(outcomes).toEqual([
      { status: 'fulfilled', index: 0, value: 0 },
      { status: 'rejected', index: 1, reason: odd },
      { status: 'fulfilled', index: 2, value: 20 },
      { status: 'rejected', index: 3, reason: odd },
    ]);
    expect(outcomes[1]!.status === 'rejected' && outcomes[1]!.reason).toBe(odd);
  });

  it('infers the value type', async () => {
    const outcomes = await runAllSettled(async (s: string) => s.length, ['a']);
    expectTypeOf(outcomes).toEqualTypeOf<SettledResult<number>[]>();
  });

  it('applies retries and timeouts per task; what still fails is reported, not thrown', async () => {
    const tries = new Map<number, number>();
    const outcomes = await runAllSettled(
      async (n: number) => {
        tries.set(n, (tries.get(n) ?? 0) + 1);
        if (n === 0 && tries.get(n)! < 2) throw new Error('flaky');
        if (n === 1) await sleep(10_000);
        return n;
      },
      [0, 1, 2],
      { retries: { retries: 1, minDelayMs: 1 }, timeoutMs: 30 },
    );
    expect(outcomes[0]).toEqual({ status: 'fulfilled', index: 0, value: 0 });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', index: 1 });
    expect(outcomes[1]!.status === 'rejected' && outcomes[1]!.reason).toBeInstanceOf(TaskTimeoutError);
    expect(outcomes[2]).toEqual({ status: 'fulfilled', index: 2, value: 2 });
    expect(tries.get(1)).toBe(2);
  });

  it('takes any iterable, and gives [] for empty input', async () => {
    async function* input(): AsyncGenerator<number> {
      yield 1;
      yield 2;
    }
    expect(await runAllSettled((n: number) => n, input())).toEqual([
      { status: 'fulfilled', index: 0, value: 1 },
      { status: 'fulfilled', index: 1, value: 2 },
    ]);
    expect(await runAllSettled((n: number) => n, [])).toEqual([]);
  });

  it("rejects only when the run as a whole stops: the caller's abort, a throwing input", async () => {
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    const run = runAllSettled(() => sleep(10_000), [1, 2], { signal: controller.signal });
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    const broken = new Error('input broke');
    function* input(): Generator<number> {
      yield 1;
      throw broken;
    }
    await expect(runAllSettled((n: number) => n, input())).rejects.toBe(broken);
  });

  it('refuses stopOnError and bad input, naming them', async () => {
    await expect(runAllSettled((n: number) => n, [1], { stopOnError: true } as never)).rejects.toThrow(
      new TypeError('options has no option "stopOnError" in runAllSettled: every task runs to its outcome'),
    );
    await expect(runAllSettled((n: number) => n, [1], { concurrency: 0 })).rejects.toThrow(
      'concurrency must be an integer >= 1 or Infinity, got 0',
    );
    await expect(runAllSettled('x' as never, [1])).rejects.toThrow('fn must be a function');
    await expect(runAllSettled((n: number) => n, 5 as never)).rejects.toThrow('params must be an Iterable');
  });
});
