// test tier: unit
// The third argument of every task: its signal, index and attempt, and the one-listener-per-run
// mechanism that carries a stop to every task however many are in flight.
import { getEventListeners } from 'node:events';
import { setTimeout as abortableSleep } from 'node:timers/promises';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  runAllMultithreaded,
  streamAllMultithreaded,
  TaskTimeoutError,
  type TaskContext,
} from '../../src/concurrency/index.js';
import { RunScope, runSignalOf, TaskAttempt } from '../../src/concurrency/task-context.js';
import { deferred, eventually, nextTurn, sleep } from '../helpers/async.js';
import { collectWarnings } from '../helpers/process-warnings.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Every process warning emitted while a test runs (MaxListenersExceededWarning among them). */
const warnings = collectWarnings();

describe('task context', () => {
  it('passes (param, index, task) with task.index and task.attempt 1', async () => {
    const seen = await runAllMultithreaded(
      (p: string, index, task) => [p, index, task.index, task.attempt],
      ['a', 'b'],
    );
    expect(seen).toEqual([
      ['a', 0, 0, 1],
      ['b', 1, 1, 1],
    ]);
  });

  it('counts attempts across retries, each attempt with its own signal', async () => {
    const attempts: number[] = [];
    const signals = new Set<AbortSignal>();
    const results = await runAllMultithreaded(
      async (_: number, _index, task) => {
        attempts.push(task.attempt);
        signals.add(task.signal);
        if (task.attempt < 3) throw new Error('flaky');
        return task.attempt;
      },
      [1],
      { retries: { retries: 5, minDelayMs: 1 } },
    );
    expect(results).toEqual([3]);
    expect(attempts).toEqual([1, 2, 3]);
    expect(signals.size).toBe(3);
    expect([...signals].some((s) => s.aborted)).toBe(false);
  });

  it('keeps plain fn(param) and fn(param, index) callers typed as before', async () => {
    const one = await runAllMultithreaded((n: number) => n + 1, [1]);
    const two = await runAllMultithreaded((n: number, i: number) => `${n}:${i}`, [1]);
    expectTypeOf(one).toEqualTypeOf<number[]>();
    expectTypeOf(two).toEqualTypeOf<string[]>();
    expectTypeOf<Parameters<Parameters<typeof runAllMultithreaded>[0]>[2]>().toEqualTypeOf<TaskContext>();
  });

  it("fires every pending task's signal with the caller's reason on abort, and no settled task's", async () => {
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    const signals: AbortSignal[] = [];
    let finished = 0;
    const run = runAllMultithreaded(
      async (ms: number, _index, task) => {
        signals.push(task.signal);
        await sleep(ms);
        finished++;
      },
      [1, 10_000, 10_000],
      { signal: controller.signal },
    );
    // Abort once the 1 ms task has settled: its signal must stay quiet.
    expect(await eventually(() => finished === 1)).toBe(true);
    await nextTurn();
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    expect(signals.map((s) => s.aborted)).toEqual([false, true, true]);
    expect(signals[1]!.reason).toBe(reason);
  });

  it('reaches the work: a task waiting on its signal ends as soon as the run is aborted', async () => {
    const controller = new AbortController();
    let ended = 0;
    const run = runAllMultithreaded(
      async (_: number, _index, task) => {
        try {
          await abortableSleep(60_000, undefined, { signal: task.signal });
        } finally {
          ended++;
        }
      },
      range(5),
      { signal: controller.signal },
    );
    await nextTurn();
    controller.abort();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    await nextTurn();
    expect(ended).toBe(5);
  });

  it("fires an attempt's signal with its TaskTimeoutError when the attempt times out", async () => {
    let timedOut: AbortSignal | undefined;
    const error = await runAllMultithreaded(
      async (_: number, _index, task) => {
        timedOut = task.signal;
        await abortableSleep(60_000, undefined, { signal: task.signal });
      },
      [7],
      { timeoutMs: 20 },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(timedOut!.aborted).toBe(true);
    expect(timedOut!.reason).toBe(error);
  });

  it('fires the signals of tasks still running when a stopOnError run is abandoned', async () => {
    const boom = new Error('boom');
    const slow: AbortSignal[] = [];
    const run = runAllMultithreaded(async (n: number, _index, task) => {
      if (n === 0) {
        await sleep(10);
        throw boom;
      }
      slow.push(task.signal);
      await abortableSleep(60_000, undefined, { signal: task.signal }).catch(() => undefined);
    }, range(4));
    await expect(run).rejects.toBe(boom);
    expect(slow).toHaveLength(3);
    for (const signal of slow) {
      expect(signal.aborted).toBe(true);
      expect(signal.reason).toMatchObject({ name: 'AbortError', message: 'run abandoned: task 0 failed', cause: boom });
    }
  });

  it('gives a signal read after the run stopped already aborted, and one read after settling never fires', async () => {
    const controller = new AbortController();
    const late = deferred<AbortSignal>();
    const contexts: TaskContext[] = [];
    const run = runAllMultithreaded(
      async (n: number, _index, task) => {
        contexts.push(task);
        if (n === 0) return;
        await sleep(50);
        late.resolve(task.signal);
      },
      [0, 1],
      { signal: controller.signal },
    );
    expect(await eventually(() => contexts.length === 2)).toBe(true);
    await nextTurn();
    controller.abort();
    await run.catch(() => undefined);
    expect((await late.promise).aborted).toBe(true);
    expect(contexts[0]!.signal.aborted).toBe(false);
  });

  it('fires pending signals when a stream is closed by its reader', async () => {
    const signals: AbortSignal[] = [];
    for await (const value of streamAllMultithreaded(async (n: number, _index, task) => {
      signals.push(task.signal);
      if (n > 0) await abortableSleep(60_000, undefined, { signal: task.signal }).catch(() => undefined);
      return n;
    }, range(4))) {
      expect(value).toBe(0);
      break;
    }
    expect(signals.slice(1).every((s) => s.aborted)).toBe(true);
    expect(signals[1]!.reason).toMatchObject({
      name: 'AbortError',
      message: 'run abandoned: the stream was closed by its reader',
    });
    expect(signals[0]!.aborted).toBe(false);
  });

  it('tells the tasks why when the input throws', async () => {
    const broken = new Error('input broke');
    let signal: AbortSignal | undefined;
    function* input(): Generator<number> {
      yield 1;
      throw broken;
    }
    await expect(
      runAllMultithreaded(async (_: number, _index, task) => {
        signal = task.signal;
        await sleep(20);
      }, input()),
    ).rejects.toBe(broken);
    expect(signal!.reason).toMatchObject({ name: 'AbortError', cause: broken });
  });
});

describe('no MaxListenersExceededWarning from our own listeners, whatever the concurrency', () => {
  const options = (signal: AbortSignal) => ({
    concurrency: 2048,
    timeoutMs: 30_000,
    retries: { retries: 2, minDelayMs: 1, maxDelayMs: 5 },
    signal,
  });

  /** A task that holds its slot a little, fails its first attempt on every 3rd input, and listens to its signal. */
  const task = async (n: number, _index: number, ctx: TaskContext): Promise<number> => {
    ctx.signal.addEventListener('abort', () => undefined, { once: true });
    await abortableSleep(5, undefined, { signal: ctx.signal });
    if (n % 3 === 0 && ctx.attempt === 1) throw new Error('first attempt fails');
    return n;
  };

  it('runAllMultithreaded: 5000 tasks, 2048 in flight, timeoutMs and retries: one listener on the caller signal', async () => {
    const controller = new AbortController();
    let peakListeners = 0;
    const probe = setInterval(() => {
      peakListeners = Math.max(peakListeners, getEventListeners(controller.signal, 'abort').length);
    }, 1);
    try {
      const results = await runAllMultithreaded(task, range(5000), options(controller.signal));
      expect(results).toEqual(range(5000));
    } finally {
      clearInterval(probe);
    }
    await nextTurn();
    expect(peakListeners).toBe(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(warnings).toEqual([]);
  });

  it('streamAllMultithreaded and an abort mid-run at the same concurrency: no warning either', async () => {
    let count = 0;
    for await (const n of streamAllMultithreaded(task, range(5000), options(new AbortController().signal))) {
      expect(n).toBe(count++);
    }
    const controller = new AbortController();
    let started = 0;
    const counted = (n: number, index: number, ctx: TaskContext): Promise<number> => {
      started++;
      return task(n, index, ctx);
    };
    const run = runAllMultithreaded(counted, range(1_000_000), options(controller.signal));
    // Abort mid-run: once a full window of tasks is in flight, each with its listener.
    expect(await eventually(() => started >= 2048)).toBe(true);
    controller.abort();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    await nextTurn();
    expect(count).toBe(5000);
    expect(warnings).toEqual([]);
  });
});

describe('RunScope: one signal for the whole run', () => {
  it('aborts with the stop reason, once, and is born aborted after a stop', () => {
    const scope = new RunScope();
    const signal = scope.signal;
    expect(scope.signal).toBe(signal);
    expect(signal.aborted).toBe(false);
    const reason = new Error('stopped');
    scope.stop(reason);
    scope.stop(new Error('again'));
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);

    const late = new RunScope();
    late.stop(reason);
    expect(late.signal.aborted).toBe(true);
    expect(late.signal.reason).toBe(reason);
  });

  it('runSignalOf gives the run signal for a task of a run, and its own signal for any other context', () => {
    const scope = new RunScope();
    const attempt = new TaskAttempt(0, 1, scope);
    expect(runSignalOf(attempt)).toBe(scope.signal);
    const own = { signal: new AbortController().signal, index: 0, attempt: 1 };
    expect(runSignalOf(own)).toBe(own.signal);
  });
});
