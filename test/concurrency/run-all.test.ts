// test tier: unit
import { getEventListeners } from 'node:events';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  DEFAULT_CONCURRENCY,
  TaskError,
  TaskTimeoutError,
  run_all_multithreaded,
  runAllMultithreaded,
  type Progress,
} from '../../src/concurrency/index.js';
import { backoffMs } from '../../src/concurrency/task-policy.js';
import {
  closableCounter,
  deferred,
  eventually,
  inFlightGauge,
  nextTurn,
  sleep,
  watchUnhandledRejections,
} from '../helpers/async.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('runAllMultithreaded: results', () => {
  it('keeps input order whatever the completion order', async () => {
    const results = await runAllMultithreaded(async (n: number) => {
      await sleep((n * 7) % 11);
      return n * 2;
    }, range(50));
    expect(results).toEqual(range(50).map((n) => n * 2));
  });

  it('passes each param with its input index', async () => {
    const results = await runAllMultithreaded((letter: string, index) => `${index}:${letter}`, ['a', 'b', 'c']);
    expect(results).toEqual(['0:a', '1:b', '2:c']);
  });

  it('returns [] for empty input without calling fn (Python raises here)', async () => {
    let calls = 0;
    const fn = (): number => ++calls;
    expect(await runAllMultithreaded(fn, [])).toEqual([]);
    expect(await runAllMultithreaded(fn, new Set<number>())).toEqual([]);
    expect(await runAllMultithreaded(fn, (function* () {})())).toEqual([]);
    expect(await runAllMultithreaded(fn, (async function* () {})())).toEqual([]);
    expect(calls).toBe(0);
  });

  it('accepts any Iterable or AsyncIterable: Set, Map, string, generator, async generator', async () => {
    const double = (n: number): number => n * 2;
    expect(await runAllMultithreaded(double, new Set([1, 2, 3]))).toEqual([2, 4, 6]);
    expect(await runAllMultithreaded(([k, v]: [string, number]) => `${k}=${v}`, new Map([['a', 1]]))).toEqual(['a=1']);
    expect(await runAllMultithreaded((c: string) => c.toUpperCase(), 'abc')).toEqual(['A', 'B', 'C']);
    function* gen(): Generator<number> {
      yield* [1, 2, 3];
    }
    expect(await runAllMultithreaded(double, gen())).toEqual([2, 4, 6]);
    async function* agen(): AsyncGenerator<number> {
      for (const n of [1, 2, 3]) {
        await sleep(1);
        yield n;
      }
    }
    expect(await runAllMultithreaded(async (n: number) => double(n), agen())).toEqual([2, 4, 6]);
  });

  it('runs sync functions and treats a sync throw as a task failure', async () => {
    expect(await runAllMultithreaded((n: number) => n + 1, [1, 2])).toEqual([2, 3]);
    const boom = new Error('sync boom');
    await expect(
      runAllMultithreaded(
        (n: number) => {
          if (n === 1) throw boom;
          return n;
        },
        [0, 1, 2],
      ),
    ).rejects.toBe(boom);
  });

  it('infers the result type, unwrapping promises', async () => {
    const strings = await runAllMultithreaded(async (n: number) => String(n), [1]);
    expectTypeOf(strings).toEqualTypeOf<string[]>();
    const numbers = await runAllMultithreaded((s: string) => s.length, new Set(['a']));
    expectTypeOf(numbers).toEqualTypeOf<number[]>();
  });

  it('infers a union of a promise and a plain value', async () => {
    const mixed = await runAllMultithreaded((n: number) => (n > 0 ? Promise.resolve(n) : ('none' as const)), [1, 0]);
    expectTypeOf(mixed).toEqualTypeOf<(number | 'none')[]>();
    expect(mixed).toEqual([1, 'none']);
  });

  it('treats a thenable whose then() throws as that task failing', async () => {
    const broken = new Error('then broke');
    const thenable = {
      then(): never {
        throw broken;
      },
    };
    await expect(runAllMultithreaded(() => thenable, [1])).rejects.toBe(broken);
  });

  it('has the Python-style alias', () => {
    expect(run_all_multithreaded).toBe(runAllMultithreaded);
  });
});

describe('runAllMultithreaded: lazy input and concurrency', () => {
  it('pulls input only as slots free up', async () => {
    let pulled = 0;
    function* numbers(): Generator<number> {
      for (let i = 0; i < 100; i++) {
        pulled++;
        yield i;
      }
    }
    const gate = deferred();
    const run = runAllMultithreaded(
      async (n: number) => {
        await gate.promise;
        return n;
      },
      numbers(),
      { concurrency: 3 },
    );
    await nextTurn();
    expect(pulled).toBe(3);
    gate.resolve();
    expect(await run).toHaveLength(100);
  });

  it('never has more than `concurrency` tasks in flight', async () => {
    const gauge = inFlightGauge();
    await runAllMultithreaded(
      async (n: number) => {
        gauge.enter();
        await sleep(n % 3);
        gauge.leave();
      },
      range(200),
      { concurrency: 7 },
    );
    expect(gauge.peak).toBe(7);
  });

  it(`defaults to ${DEFAULT_CONCURRENCY} in flight, never more than the number of params`, async () => {
    const many = inFlightGauge();
    const gate = deferred();
    const run = runAllMultithreaded(
      async () => {
        many.enter();
        await gate.promise;
        many.leave();
      },
      range(DEFAULT_CONCURRENCY * 3),
    );
    expect(await eventually(() => many.current === DEFAULT_CONCURRENCY)).toBe(true);
    await nextTurn();
    expect(many.current).toBe(DEFAULT_CONCURRENCY);
    gate.resolve();
    await run;
    expect(many.peak).toBe(DEFAULT_CONCURRENCY);

    const few = inFlightGauge();
    await runAllMultithreaded(async () => {
      few.enter();
      await sleep(5);
      few.leave();
    }, range(5));
    expect(few.peak).toBe(5);
  });

  it('runs everything at once with concurrency Infinity', async () => {
    // Every task waits on one gate, so all 1000 must be in flight together however slowly
    // the machine starts them.
    const gauge = inFlightGauge();
    const gate = deferred();
    const run = runAllMultithreaded(
      async () => {
        gauge.enter();
        await gate.promise;
        gauge.leave();
      },
      range(1000),
      { concurrency: Infinity },
    );
    expect(await eventually(() => gauge.current === 1000)).toBe(true);
    gate.resolve();
    await run;
  });

  it('consumes an infinite generator until the signal aborts, then closes it', async () => {
    const input = closableCounter();
    const controller = new AbortController();
    let started = 0;
    const running = inFlightGauge();
    const run = runAllMultithreaded(
      async (n: number) => {
        started++;
        running.enter();
        if (n === 500) controller.abort(new Error('enough'));
        await sleep(1);
        running.leave();
      },
      input.numbers,
      { concurrency: 10, signal: controller.signal },
    );
    await expect(run).rejects.toThrow('enough');
    expect(input.closed).toBe(true);
    const startedAtAbort = started;
    // Each task that finishes is where a run that went on would start the next: wait for them all.
    expect(running.current).toBeGreaterThan(0);
    expect(await eventually(() => running.current === 0)).toBe(true);
    await nextTurn();
    expect(started).toBe(startedAtAbort);
  });

  it('lets timers in while tasks finish without I/O, so a timer can abort an infinite input', async () => {
    const input = closableCounter();
    const syncInput = closableCounter();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error('timer fired')), 20);
    try {
      await expect(
        runAllMultithreaded(async (n: number) => n, input.numbers, { signal: controller.signal }),
      ).rejects.toThrow('timer fired');
      await expect(
        runAllMultithreaded((n: number) => n, syncInput.numbers, { signal: AbortSignal.timeout(20) }),
      ).rejects.toMatchObject({
        name: 'TimeoutError', // the platform's: AbortSignal.timeout's DOMException
      });
    } finally {
      clearTimeout(timer);
    }
    expect(input.closed).toBe(true);
    expect(syncInput.closed).toBe(true);
  });

  it('pulls an async iterable lazily and bounds its concurrency too', async () => {
    let pulled = 0;
    async function* numbers(): AsyncGenerator<number> {
      for (let i = 0; i < 50; i++) {
        pulled++;
        yield i;
      }
    }
    const gauge = inFlightGauge();
    const gate = deferred();
    const run = runAllMultithreaded(
      async (n: number) => {
        gauge.enter();
        await gate.promise;
        await sleep(n % 2);
        gauge.leave();
        return n;
      },
      numbers(),
      { concurrency: 4 },
    );
    expect(await eventually(() => pulled >= 4)).toBe(true);
    // Every slot is taken and held by the gate: nothing may pull a fifth, however long it waits.
    await nextTurn();
    expect(pulled).toBe(4);
    gate.resolve();
    expect(await run).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(gauge.peak).toBe(4);
  });

  it('closes an async generator input when the run stops early, with no unhandled rejection', async () => {
    const unhandled = watchUnhandledRejections();
    let closed = false;
    async function* numbers(): AsyncGenerator<number> {
      try {
        for (let i = 0; ; i++) {
          await sleep(0);
          yield i;
        }
      } finally {
        closed = true;
      }
    }
    try {
      await expect(
        runAllMultithreaded(
          async (n: number) => {
            if (n === 5) throw new Error('stop here');
          },
          numbers(),
          { concurrency: 2 },
        ),
      ).rejects.toThrow('stop here');
      expect(await eventually(() => closed)).toBe(true);
      await unhandled.settled();
      expect(unhandled.reasons).toEqual([]);
    } finally {
      unhandled.stop();
    }
  });

  it('starts nothing more when the abort comes from inside the generator, and still closes it', async () => {
    const controller = new AbortController();
    let closed = false;
    function* numbers(): Generator<number> {
      try {
        for (let i = 0; i < 10; i++) {
          if (i === 3) controller.abort(new Error('aborted by the input'));
          yield i;
        }
      } finally {
        closed = true;
      }
    }
    const started: number[] = [];
    await expect(
      runAllMultithreaded((n: number) => started.push(n), numbers(), { signal: controller.signal }),
    ).rejects.toThrow('aborted by the input');
    expect(started).toEqual([0, 1, 2]);
    expect(closed).toBe(true);
  });

  it('rejects with the input error when the iterable throws, and starts nothing after it', async () => {
    const inputError = new Error('input broke');
    async function* broken(): AsyncGenerator<number> {
      yield 1;
      yield 2;
      throw inputError;
    }
    let calls = 0;
    await expect(
      runAllMultithreaded(async () => {
        calls++;
      }, broken()),
    ).rejects.toBe(inputError);
    expect(calls).toBe(2);
  });
});

describe('runAllMultithreaded: errors', () => {
  it('stopOnError (default): rejects with the original error object and starts nothing new', async () => {
    const failure = new TypeError('bad item');
    const started: number[] = [];
    const run = runAllMultithreaded(
      async (n: number) => {
        started.push(n);
        await sleep(1);
        if (n === 2) throw failure;
        return n;
      },
      range(20),
      { concurrency: 1 },
    );
    await expect(run).rejects.toBe(failure);
    // At concurrency 1 the next task starts in the turn the previous one settles (0 then 1 did).
    await nextTurn();
    expect(started).toEqual([0, 1, 2]);
  });

  it('stopOnError false: runs everything, then rejects with an AggregateError of indexed TaskErrors', async () => {
    const started: number[] = [];
    const error = await runAllMultithreaded(
      async (n: number) => {
        started.push(n);
        await sleep((10 - n) % 4);
        if (n % 3 === 0) throw new Error(`bad ${n}`);
        return n;
      },
      range(10),
      { stopOnError: false, concurrency: 4 },
    ).catch((e: unknown) => e);
    expect(started.sort((a, b) => a - b)).toEqual(range(10));
    expect(error).toBeInstanceOf(AggregateError);
    const { errors } = error as AggregateError;
    expect(errors.map((e: TaskError) => e.index)).toEqual([0, 3, 6, 9]);
    for (const e of errors as TaskError[]) {
      expect(e).toBeInstanceOf(TaskError);
      expect(e.cause).toBeInstanceOf(Error);
      expect((e.cause as Error).message).toBe(`bad ${e.index}`);
      expect(e.message).toBe(`task ${e.index} failed: bad ${e.index}`);
    }
    expect((error as AggregateError).message).toBe('4 of 10 tasks failed');
  });

  it('stopOnError false keeps non-Error throws as the cause', async () => {
    const error = (await runAllMultithreaded(
      () => {
        throw 'just a string';
      },
      [1],
      { stopOnError: false },
    ).catch((e: unknown) => e)) as AggregateError;
    expect((error.errors[0] as TaskError).cause).toBe('just a string');
  });

  it('never leaves an unhandled rejection behind when several tasks fail after the first', async () => {
    const unhandled = watchUnhandledRejections();
    const failed = inFlightGauge();
    try {
      await expect(
        runAllMultithreaded(
          async (n: number) => {
            await sleep(n);
            failed.enter();
            throw new Error(`fail ${n}`);
          },
          range(5),
          { concurrency: 5 },
        ),
      ).rejects.toThrow('fail 0');
      expect(await eventually(() => failed.current === 5)).toBe(true);
      await unhandled.settled();
      expect(unhandled.reasons).toEqual([]);
    } finally {
      unhandled.stop();
    }
  });
});

describe('runAllMultithreaded: signal', () => {
  it('rejects with signal.reason and starts nothing new', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled by caller');
    let started = 0;
    const running = inFlightGauge();
    const run = runAllMultithreaded(
      async () => {
        started++;
        running.enter();
        await sleep(5);
        running.leave();
      },
      range(100),
      { concurrency: 2, signal: controller.signal },
    );
    expect(await eventually(() => started > 2)).toBe(true);
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    const atAbort = started;
    // The tasks still running finish: each finish is where a run that went on would start another.
    expect(running.current).toBeGreaterThan(0);
    expect(await eventually(() => running.current === 0)).toBe(true);
    await nextTurn();
    expect(started).toBe(atAbort);
    expect(started).toBeLessThan(100);
  });

  it('does not call fn at all with an already aborted signal', async () => {
    let calls = 0;
    const signal = AbortSignal.abort();
    await expect(runAllMultithreaded(() => ++calls, [1, 2], { signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls).toBe(0);
  });

  it('removes its abort listener when the run ends, however it ends', async () => {
    const controller = new AbortController();
    const gate = deferred();
    const run = runAllMultithreaded(() => gate.promise, [1, 2], { signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    gate.resolve();
    await run;
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    await runAllMultithreaded(
      () => {
        throw new Error('x');
      },
      [1],
      { signal: controller.signal },
    ).catch(() => undefined);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('runAllMultithreaded: timeoutMs', () => {
  it('fails a slow task with a TaskTimeoutError naming its index', async () => {
    const error = await runAllMultithreaded(
      async (ms: number) => {
        await sleep(ms);
        return ms;
      },
      [1, 200, 1],
      { timeoutMs: 40 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(error).toMatchObject({ name: 'TaskTimeoutError', index: 1, timeoutMs: 40 });
    expect((error as Error).message).toBe('task 1 timed out after 40 ms');
  });

  it('leaves fast tasks alone and reports timeouts per index with stopOnError false', async () => {
    const error = (await runAllMultithreaded(
      async (ms: number) => {
        await sleep(ms);
        return ms;
      },
      [1, 300, 2, 300],
      { timeoutMs: 50, stopOnError: false },
    ).catch((e: unknown) => e)) as AggregateError;
    expect(error.errors.map((e: TaskError) => [e.index, (e.cause as TaskTimeoutError).index])).toEqual([
      [1, 1],
      [3, 3],
    ]);
  });
});

describe('runAllMultithreaded: retries', () => {
  it('retries a failing task until it succeeds', async () => {
    const attempts = new Map<number, number>();
    const results = await runAllMultithreaded(
      async (n: number) => {
        const count = (attempts.get(n) ?? 0) + 1;
        attempts.set(n, count);
        if (count < 3) throw new Error(`flaky ${n}`);
        return n;
      },
      [1, 2],
      { retries: { retries: 2, minDelayMs: 1 } },
    );
    expect(results).toEqual([1, 2]);
    expect([...attempts.values()]).toEqual([3, 3]);
  });

  it('rejects with the last error once retries are used up', async () => {
    let attempts = 0;
    await expect(
      runAllMultithreaded(
        async () => {
          attempts++;
          throw new Error(`attempt ${attempts}`);
        },
        [1],
        { retries: { retries: 2, minDelayMs: 1 } },
      ),
    ).rejects.toThrow('attempt 3');
    expect(attempts).toBe(3);
  });

  it('asks retryIf whether an error is worth another attempt', async () => {
    let attempts = 0;
    const fatal = new RangeError('not retryable');
    await expect(
      runAllMultithreaded(
        async () => {
          attempts++;
          throw fatal;
        },
        [1],
        { retries: { retries: 5, minDelayMs: 1, retryIf: (e) => !(e instanceof RangeError) } },
      ),
    ).rejects.toBe(fatal);
    expect(attempts).toBe(1);
  });

  it('waits at least minDelayMs before the first retry, and retries a timed-out attempt', async () => {
    const times: number[] = [];
    const results = await runAllMultithreaded(
      async () => {
        times.push(performance.now());
        if (times.length === 1) await sleep(500);
        return 'ok';
      },
      [1],
      { timeoutMs: 30, retries: { retries: 1, minDelayMs: 40 } },
    );
    expect(results).toEqual(['ok']);
    expect(times).toHaveLength(2);
    // 30 ms timeout + at least 40 ms backoff before the second attempt.
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(30 + 40 - 2);
  });

  it('accepts a plain count', async () => {
    let attempts = 0;
    await runAllMultithreaded(
      async () => {
        if (++attempts < 2) throw new Error('once');
      },
      [1],
      { retries: 1 },
    );
    expect(attempts).toBe(2);
  });

  it('stops retrying when the run is aborted', async () => {
    /** A run of one task that always fails, retried up to 10 times, and its attempt count. */
    const failingRun = (signal: AbortSignal): { run: Promise<unknown>; readonly attempts: number } => {
      let attempts = 0;
      const run = runAllMultithreaded(
        async () => {
          attempts++;
          throw new Error('down');
        },
        [1],
        { signal, retries: { retries: 10, minDelayMs: 20 } },
      );
      return {
        run,
        get attempts() {
          return attempts;
        },
      };
    };
    const controller = new AbortController();
    const aborted = failingRun(controller.signal);
    // A twin run that is not aborted: its later attempts come when the aborted run's would have.
    const twinController = new AbortController();
    const twin = failingRun(twinController.signal);
    const twinEnded = twin.run.catch(() => undefined);
    expect(await eventually(() => aborted.attempts === 1)).toBe(true);
    controller.abort();
    await expect(aborted.run).rejects.toMatchObject({ name: 'AbortError' });
    expect(await eventually(() => twin.attempts >= 3)).toBe(true);
    twinController.abort();
    await twinEnded;
    expect(aborted.attempts).toBe(1);
  });
});

describe('backoffMs', () => {
  const policy = { retries: 10, minDelayMs: 100, maxDelayMs: 1000, retryIf: undefined };
  it('doubles from minDelayMs with jitter in [base, 2 × base), never above maxDelayMs', () => {
    for (let i = 0; i < 200; i++) {
      const first = backoffMs(policy, 0);
      expect(first).toBeGreaterThanOrEqual(100);
      expect(first).toBeLessThan(200);
      const third = backoffMs(policy, 2);
      expect(third).toBeGreaterThanOrEqual(400);
      expect(third).toBeLessThan(800);
      expect(backoffMs(policy, 9)).toBe(1000);
    }
  });
});

describe('runAllMultithreaded: onProgress', () => {
  it('reports every settlement, with the total known up front for arrays', async () => {
    const seen: Progress[] = [];
    await runAllMultithreaded((n: number) => n, range(4), { onProgress: (p) => seen.push({ ...p }) });
    expect(seen).toEqual([
      { done: 1, failed: 0, total: 4 },
      { done: 2, failed: 0, total: 4 },
      { done: 3, failed: 0, total: 4 },
      { done: 4, failed: 0, total: 4 },
    ]);
  });

  it('counts failures, and learns the total of a generator when it is exhausted', async () => {
    const seen: Progress[] = [];
    function* three(): Generator<number> {
      yield* [1, 2, 3];
    }
    await runAllMultithreaded(
      async (n: number) => {
        await sleep(n * 5);
        if (n === 2) throw new Error('two');
      },
      three(),
      { stopOnError: false, onProgress: (p) => seen.push({ ...p }) },
    ).catch(() => undefined);
    expect(seen.at(-1)).toEqual({ done: 3, failed: 1, total: 3 });
    expect(seen[0]).toMatchObject({ done: 1, failed: 0 });
  });

  it('rejects the run when onProgress throws', async () => {
    const broken = new Error('progress bar broke');
    await expect(
      runAllMultithreaded((n: number) => n, [1, 2], {
        onProgress: () => {
          throw broken;
        },
      }),
    ).rejects.toBe(broken);
  });
});

describe('runAllMultithreaded: bad input', () => {
  const ok = (n: number): number => n;
  it.each([
    [{ concurrency: 0 }, RangeError, 'concurrency must be an integer >= 1 or Infinity, got 0'],
    [{ concurrency: -3 }, RangeError, 'concurrency must be an integer >= 1 or Infinity, got -3'],
    [{ concurrency: 1.5 }, RangeError, 'concurrency must be an integer >= 1 or Infinity, got 1.5'],
    [{ concurrency: NaN }, TypeError, 'concurrency must be an integer >= 1 or Infinity, got NaN'],
    [{ concurrency: '4' }, TypeError, "concurrency must be an integer >= 1 or Infinity, got '4'"],
    [{ timeoutMs: 0 }, RangeError, 'timeoutMs must be a number of milliseconds from 1 to 2147483647, got 0'],
    [{ timeoutMs: 'soon' }, TypeError, "timeoutMs must be a number of milliseconds from 1 to 2147483647, got 'soon'"],
    // Node fires a longer timer after 1 ms: accepting it would time every task out at once.
    [{ timeoutMs: 3e9 }, RangeError, 'timeoutMs must be a number of milliseconds from 1 to 2147483647, got 3000000000'],
    [{ retries: -1 }, RangeError, 'retries must be an integer >= 0, got -1'],
    [{ retries: 'twice' }, TypeError, "retries must be an integer >= 0 or a RetryOptions object, got 'twice'"],
    [{ retries: { retries: 1.5 } }, RangeError, 'retries.retries must be an integer >= 0, got 1.5'],
    [
      { retries: { retries: 1, minDelayMs: -5 } },
      RangeError,
      'retries.minDelayMs must be a number of milliseconds from 0 to 2147483647, got -5',
    ],
    [
      { retries: { retries: 1, minDelayMs: 100, maxDelayMs: 10 } },
      RangeError,
      'retries.maxDelayMs must be a number of milliseconds from 100 to 2147483647, got 10',
    ],
    [{ retries: { retries: 1, retryIf: true } }, TypeError, 'retries.retryIf must be a function, got true'],
    [{ onProgress: 'bar' }, TypeError, "onProgress must be a function, got 'bar'"],
    [{ signal: {} }, TypeError, 'signal must be an AbortSignal, got {}'],
    [{ stopOnError: 'yes' }, TypeError, "stopOnError must be a boolean, got 'yes'"],
    [
      { concurrrency: 4 },
      TypeError,
      'options has no option "concurrrency" (known: concurrency, signal, stopOnError, timeoutMs, retries, onProgress)',
    ],
    // A stream's buffer bound: runAllMultithreaded has no buffer (its type refuses it too).
    [
      { highWaterMark: 8 },
      TypeError,
      'options has no option "highWaterMark" (known: concurrency, signal, stopOnError, timeoutMs, retries, onProgress)',
    ],
    [
      { retries: { retries: 1, minDelay: 5 } },
      TypeError,
      'retries has no option "minDelay" (known: retries, minDelayMs, maxDelayMs, retryIf)',
    ],
  ])('rejects options %o', async (options, type, message) => {
    const error = await runAllMultithreaded(ok, [1], options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toBe(message);
  });

  it('rejects a non-function fn and non-iterable params, naming them', async () => {
    await expect(runAllMultithreaded(42 as never, [1])).rejects.toThrow(new TypeError('fn must be a function, got 42'));
    await expect(runAllMultithreaded(ok, null as never)).rejects.toThrow(
      new TypeError('params must be an Iterable or AsyncIterable, got null'),
    );
    await expect(runAllMultithreaded(ok, 5 as never)).rejects.toThrow(
      new TypeError('params must be an Iterable or AsyncIterable, got 5'),
    );
    await expect(runAllMultithreaded(ok, { length: 2 } as never)).rejects.toThrow(
      new TypeError('params must be an Iterable or AsyncIterable, got { length: 2 }'),
    );
    await expect(runAllMultithreaded(ok, [1], 'fast' as never)).rejects.toThrow(
      new TypeError("options must be an object, got 'fast'"),
    );
  });
});
