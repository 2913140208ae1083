// test tier: unit
// ThreadPool on real worker threads: runAllMultithreaded's semantics, cancellation that reaches
// running tasks, errors across the thread boundary, crashes, transfers and bad input.
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  BackgroundQueueFullError,
  configureBackgroundTasks,
  DEFAULT_MAX_PENDING_BACKGROUND_TASKS,
  drainBackgroundTasks,
  onBackgroundError,
  TaskError,
  ThreadCrashError,
  runAllMultithreaded,
  ThreadPool,
  TaskTimeoutError,
  type SettledResult,
} from '../../src/concurrency/index.js';
import * as publicRoot from '../../src/index.js';
import * as publicPath from '../../src/concurrency/index.js';
import type behave from '../fixtures/threads/behaviours.js';
import type { Command } from '../fixtures/threads/behaviours.js';
import type square from '../fixtures/threads/square.js';
import { eventually, nextTurn, settleWithin, sleep } from '../helpers/async.js';
import { collectWarnings } from '../helpers/process-warnings.js';
import { threadFixture } from '../helpers/thread-fixtures.js';

const behaviours = threadFixture('behaviours');
const squareModule = threadFixture('square');

/** One pool of 2 threads for most tests, as on the 2-core machine. */
const pool = new ThreadPool<typeof behave>(behaviours, { maxThreads: 2 });
afterAll(() => pool.close());

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const squares = (n: number): Command[] => range(n).map((i) => ({ op: 'square', n: i }));
/** Shared memory a task can write to while it runs, read here without a message. */
const sharedState = (): Int32Array => new Int32Array(new SharedArrayBuffer(8));

/** Waits until `state[1]` stops moving, and says whether it did. */
async function counterStops(state: Int32Array): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    const before = Atomics.load(state, 1);
    await sleep(20);
    if (Atomics.load(state, 1) === before) return true;
  }
  return false;
}

const warnings = collectWarnings();

describe('ThreadPool: runs', () => {
  it('is exported from popoto-ts and popoto-ts/utils/multithreading', () => {
    expect(publicRoot.ThreadPool).toBe(ThreadPool);
    expect(publicPath.ThreadPool).toBe(ThreadPool);
  });

  it('runs the task on worker threads, on every thread, results in input order', async () => {
    // A thread that starts late may find its tasks taken over by the other: run until both have worked.
    const seen = new Set<unknown>();
    for (let i = 0; i < 50 && seen.size < 2; i++) {
      const threads = await pool.runAll(range(8).map(() => ({ op: 'spin-thread', ms: 30 })));
      expect(threads).toHaveLength(8);
      expect(threads).not.toContain(0); // 0 is the main thread
      threads.forEach((id) => seen.add(id));
    }
    expect(seen.size).toBe(2);
    expect(await pool.runAll(squares(50))).toEqual(range(50).map((n) => n * n));
  });

  it('types params and results from the task function', async () => {
    const typed = new ThreadPool<typeof square>(squareModule, { maxThreads: 1 });
    try {
      const results = await typed.runAll([1, 2, 3]);
      expectTypeOf(results).toEqualTypeOf<number[]>();
      expect(results).toEqual([1, 4, 9]);
      // @ts-expect-error a string is not the task's param type
      await typed.runAll(['x']).catch(() => undefined);
    } finally {
      await typed.close();
    }
  });

  it('takes an absolute path or a data: URL as the module too', async () => {
    const fromPath = new ThreadPool(fileURLToPath(squareModule), { maxThreads: 1 });
    const fromData = new ThreadPool('data:text/javascript,export default (n) => n + 1', { maxThreads: 1 });
    try {
      expect(await fromPath.runAll([3])).toEqual([9]);
      expect(await fromData.runAll([1, 2])).toEqual([2, 3]);
    } finally {
      await Promise.all([fromPath.close(), fromData.close()]);
    }
  });

  it('streamAll yields in input order and stops on break', async () => {
    const seen: unknown[] = [];
    for await (const value of pool.streamAll(squares(20), { highWaterMark: 4 })) seen.push(value);
    expect(seen).toEqual(range(20).map((n) => n * n));
    let first: unknown;
    for await (const value of pool.streamAll(squares(1000))) {
      first = value;
      break;
    }
    expect(first).toBe(0);
  });

  it('runAllSettled gives every outcome by index', async () => {
    const outcomes = await pool.runAllSettled([{ op: 'square', n: 3 }, { op: 'throw-type' }]);
    expect(outcomes[0]).toEqual({ status: 'fulfilled', index: 0, value: 9 });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', index: 1 });
    expectTypeOf(outcomes).toEqualTypeOf<SettledResult<unknown>[]>();
  });

  it('takes runAllMultithreaded options: stopOnError false, onProgress, retries, lazy input', async () => {
    const error = (await pool
      .runAll([{ op: 'square', n: 2 }, { op: 'throw-type' }], { stopOnError: false })
      .catch((e: unknown) => e)) as AggregateError;
    expect(error.errors).toHaveLength(1);
    expect(error.errors[0]).toBeInstanceOf(TaskError);
    expect(error.errors[0]).toMatchObject({ index: 1, cause: { name: 'TypeError' } });

    const progress: number[] = [];
    const state = sharedState();
    function* input(): Generator<Command> {
      yield { op: 'square', n: 5 };
      yield { op: 'flaky', state, failures: 2 };
    }
    const results = await pool.runAll(input(), {
      retries: { retries: 2, minDelayMs: 1 },
      onProgress: ({ done }) => progress.push(done),
    });
    expect(results).toEqual([25, 3]);
    expect(Atomics.load(state, 0)).toBe(3);
    expect(progress).toEqual([1, 2]);
  });

  it('no MaxListenersExceededWarning at concurrency 1024 with timeoutMs and retries', async () => {
    const controller = new AbortController();
    const results = await pool.runAll(squares(3000), {
      concurrency: 1024,
      timeoutMs: 30_000,
      retries: 2,
      signal: controller.signal,
    });
    expect(results).toHaveLength(3000);
    // A warning is emitted on a later tick: let it come.
    await nextTurn();
    expect(warnings).toEqual([]);
  });
  it('no MaxListenersExceededWarning with 256 tasks in flight sharing the run signal, aborted mid-run', async () => {
    const controller = new AbortController();
    let done = 0;
    const run = pool.runAll(squares(20_000), {
      concurrency: 256,
      signal: controller.signal,
      onProgress: (progress) => (done = progress.done),
    });
    // Abort mid-run: tasks have come back, and more are in flight.
    expect(await eventually(() => done > 0)).toBe(true);
    controller.abort(new Error('enough'));
    await expect(run).rejects.toThrow('enough');
    expect(await pool.runAll(squares(300), { concurrency: 256 })).toHaveLength(300);
    await nextTurn();
    expect(warnings).toEqual([]);
  });
});

describe('ThreadPool: cancellation reaches running tasks', () => {
  // At the default window and at a fixed concurrency alike, an abort must skip the queued tasks
  // and stop the running ones: here loops that ignore their signal, so after cancelGraceMs their
  // threads are terminated (thread-pool-chunks.test.ts has the tasks that do stop by themselves).
  // These tests wait out that grace with a thread spinning each time, eight times in all: their
  // pool grants 50 ms, not the default second (the run-inside-a-pipeline test below waits that).
  const pool = new ThreadPool<typeof behave>(behaviours, { maxThreads: 2, cancelGraceMs: 50 });
  afterAll(() => pool.close());

  it.each([
    ['the default concurrency', undefined],
    ['concurrency 300', 300],
  ])('abort removes queued tasks and interrupts running ones, at %s', async (_, concurrency) => {
    const state = sharedState();
    const controller = new AbortController();
    const reason = new Error('stop now');
    const run = pool.runAll(
      range(6).map(() => ({ op: 'count-forever', state })),
      { signal: controller.signal, concurrency },
    );
    expect(await eventually(() => Atomics.load(state, 0) >= 2)).toBe(true);
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    expect(await counterStops(state)).toBe(true);
    // Only the two tasks on the two threads ever started; the queued four were removed.
    expect(Atomics.load(state, 0)).toBe(2);
    // The pool replaced the terminated threads and goes on.
    expect(await pool.runAll(squares(4))).toEqual([0, 1, 4, 9]);
  });

  it('a timeout interrupts a task that never yields', async () => {
    const state = sharedState();
    const error = await pool.runAll([{ op: 'count-forever', state }], { timeoutMs: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(error).toMatchObject({ index: 0, timeoutMs: 50 });
    expect(await counterStops(state)).toBe(true);
  });

  it('tasks sent behind a never-yielding one while the other thread was ending are taken over by its replacement', async () => {
    // The hazard lies between a thread's termination (a cancelled task past its grace period) and
    // the moment its exit is seen: the ending thread still counts towards maxThreads, so a run
    // dispatched then goes all to the one live thread, behind a task that never yields, and only
    // the ending thread's exit can bring help. That moment is hit on purpose, not by luck: a timer
    // of the grace period's duration, set after the pool's grace timer, falls due with it while
    // this thread is busy, so the two run back to back in one timers phase, the termination first,
    // before the exit can be delivered.
    const graceMs = 50;
    const racing = new ThreadPool<typeof behave>(behaviours, { maxThreads: 2, cancelGraceMs: graceMs });
    const stopStuck = new AbortController();
    try {
      // Square tasks measure tiny, so the chunks are large: all three tasks of the run below fit
      // on one thread at once. This also starts both threads.
      await racing.runAll(squares(20_000));
      const first = sharedState();
      const cancel = new AbortController();
      const cancelled = racing
        .runAll([{ op: 'count-forever', state: first }], { signal: cancel.signal })
        .catch((error: unknown) => error);
      expect(await eventually(() => Atomics.load(first, 0) === 1)).toBe(true);
      cancel.abort(); // the pool's grace timer starts: its thread will be terminated
      const second = sharedState();
      const dispatched = new Promise<{ run: Promise<unknown> }>((resolve) =>
        setTimeout(() => {
          const run = racing.runAll(
            [{ op: 'count-forever', state: second }, { op: 'spin', ms: 50 }, { op: 'throw-type' }],
            {
              signal: stopStuck.signal,
            },
          );
          resolve({ run: run.catch((error: unknown) => error) });
        }, graceMs),
      );
      const busyUntil = performance.now() + graceMs * 3;
      while (performance.now() < busyUntil); // both timers fall due meanwhile
      const { run } = await dispatched;
      await expect(cancelled).resolves.toMatchObject({ name: 'AbortError' });

      const outcome = await settleWithin(run, 10_000);
      expect(
        outcome,
        'the run hung: its tasks waited behind a never-yielding task on the live thread, and no thread took them over',
      ).toMatchObject({ settled: true, value: { message: 'bad type inside the worker' } });
      expect(await counterStops(second)).toBe(true);
    } finally {
      stopStuck.abort();
      await racing.close({ timeoutMs: 1_000 });
    }
  });

  it('a stopOnError failure interrupts the tasks still running', async () => {
    const state = sharedState();
    const run = pool.runAll([{ op: 'count-forever', state }, { op: 'spin', ms: 50 }, { op: 'throw-type' }]);
    await expect(run).rejects.toThrow('bad type inside the worker');
    expect(await counterStops(state)).toBe(true);
  });
});

describe('ThreadPool: run, one task inside a larger pipeline', () => {
  it('is the CPU step of a runAllMultithreaded job, cancelled through task.signal', async () => {
    const results = await runAllMultithreaded(
      (n: number, _index, task) => pool.run({ op: 'square', n }, { signal: task.signal }),
      range(10),
    );
    expect(results).toEqual(range(10).map((n) => n * n));

    const state = sharedState();
    const controller = new AbortController();
    const running = pool.run({ op: 'count-forever', state }, { signal: controller.signal });
    expect(await eventually(() => Atomics.load(state, 0) >= 1)).toBe(true);
    controller.abort();
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    expect(await counterStops(state)).toBe(true);
  });

  it('rejects a param that cannot be sent, and bad options, naming them', async () => {
    await expect(pool.run({ op: 'square', n: 1, f: () => 1 } as never)).rejects.toThrow(
      new TypeError(
        'param cannot be sent to a worker thread: param.f is a function (f); functions cannot be sent to another thread',
      ),
    );
    await expect(pool.run({ op: 'square', n: 1 }, { signal: 'x' as never })).rejects.toThrow(
      "options.signal must be an AbortSignal, got 'x'",
    );
  });
});

describe('ThreadPool: errors cross the thread boundary', () => {
  it('keeps name, message, stack, own properties and cause', async () => {
    const error = (await pool.runAll([{ op: 'throw' }]).catch((e: unknown) => e)) as Error & Record<string, unknown>;
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('NotFoundError');
    expect(error.message).toBe('no record at user:1');
    expect(error.stack).toMatch(/^NotFoundError: no record at user:1\n\s+at behave .*behaviours\.js/);
    expect(error.code).toBe('E_NOT_FOUND');
    expect(error.key).toBe('user:1');
    expect(error.cause).toBeInstanceOf(RangeError);
    expect((error.cause as Error).message).toBe('shard 3 of 2');
  });

  it('rebuilds built-in classes, AggregateErrors and thrown non-Error values', async () => {
    const outcomes = await pool.runAllSettled([{ op: 'throw-type' }, { op: 'throw-aggregate' }, { op: 'throw-value' }]);
    const reasons = outcomes.map((o) => (o.status === 'rejected' ? o.reason : undefined));
    expect(reasons[0]).toBeInstanceOf(TypeError);
    expect(reasons[1]).toBeInstanceOf(AggregateError);
    expect((reasons[1] as AggregateError).message).toBe('two things failed');
    expect((reasons[1] as AggregateError).errors.map((e: Error) => e.name)).toEqual(['NotFoundError', 'Error']);
    expect(reasons[2]).toEqual({ reason: 'a plain object', status: 7 });
  });
});

describe('ThreadPool: a crashed worker is replaced and only its task fails', () => {
  it('process.exit() inside a task', async () => {
    const commands: Command[] = [...squares(3), { op: 'exit', code: 3 }, ...squares(3)];
    const outcomes = await pool.runAllSettled(commands);
    const failed = outcomes.filter((o) => o.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.index).toBe(3);
    const reason = (failed[0] as { reason: unknown }).reason;
    expect(reason).toBeInstanceOf(ThreadCrashError);
    expect(reason).toMatchObject({
      exitCode: 3,
      message:
        'task 3 failed: its worker thread exited with code 3 (process.exit() in the task?); the thread has been replaced',
    });
    expect(await pool.runAll(squares(4))).toEqual([0, 1, 4, 9]);
  });

  it('an uncaught exception inside the worker', async () => {
    const outcomes = await pool.runAllSettled([{ op: 'square', n: 2 }, { op: 'uncaught' }, { op: 'square', n: 3 }]);
    expect(outcomes[0]).toEqual({ status: 'fulfilled', index: 0, value: 4 });
    expect(outcomes[2]).toEqual({ status: 'fulfilled', index: 2, value: 9 });
    const reason = (outcomes[1] as { reason: Error }).reason;
    expect(reason).toBeInstanceOf(ThreadCrashError);
    expect(reason.message).toBe(
      'task 1 failed: its worker thread crashed with an uncaught exception: thrown from a timer inside the worker; the thread has been replaced',
    );
    expect((reason.cause as Error).stack).toContain('behaviours.js');
    expect(await pool.runAll(squares(3))).toEqual([0, 1, 4]);
  });
});

describe('ThreadPool: transferables', () => {
  it('moves param buffers without copying when asked, and copies them otherwise', async () => {
    const moved = new ArrayBuffer(1024);
    const copied = new ArrayBuffer(512);
    const lengths = await pool.runAll(
      [
        { op: 'byte-length', buffer: moved },
        { op: 'byte-length', buffer: copied },
      ],
      { transfer: (command, index) => (index === 0 && command.op === 'byte-length' ? [command.buffer] : []) },
    );
    expect(lengths).toEqual([1024, 512]);
    expect(moved.byteLength).toBe(0); // detached here: the memory went to the worker
    expect(copied.byteLength).toBe(512);
  });

  it('moves a result marked with transferResult back without copying', async () => {
    const single = new ThreadPool<typeof behave>(behaviours, { maxThreads: 1 });
    try {
      const [bytes] = await single.runAll([{ op: 'make-buffer', size: 4096 }]);
      expect(bytes).toBeInstanceOf(Uint8Array);
      expect((bytes as Uint8Array).byteLength).toBe(4096);
      expect((bytes as Uint8Array)[4095]).toBe(7);
      // The worker's own view of it is detached: it was moved, not copied.
      expect(await single.runAll([{ op: 'last-buffer-length' }])).toEqual([0]);
    } finally {
      await single.close();
    }
  });

  it('moves a startNewThread param when asked (when it is handed off)', async () => {
    const buffer = new ArrayBuffer(64);
    pool.startNewThread({ op: 'byte-length', buffer }, { transfer: [buffer] });
    expect(await drainBackgroundTasks()).toMatchObject({ failed: 0, pending: 0 });
    expect(buffer.byteLength).toBe(0);
  });
});

describe('ThreadPool: startNewThread', () => {
  afterEach(() => {
    configureBackgroundTasks({ maxPending: DEFAULT_MAX_PENDING_BACKGROUND_TASKS });
  });

  it('runs in a worker, tracked by drainBackgroundTasks, failures to onBackgroundError', async () => {
    const failures: [unknown, string, unknown[]][] = [];
    const stop = onBackgroundError((error, task) => failures.push([error, task.name, task.args]));
    try {
      pool.startNewThread({ op: 'spin', ms: 50 });
      pool.startNewThread({ op: 'throw' });
      const drained = await drainBackgroundTasks();
      expect(drained).toEqual({ completed: 1, failed: 1, pending: 0 });
      expect(failures).toHaveLength(1);
      expect(failures[0]![0]).toMatchObject({ name: 'NotFoundError' });
      expect(failures[0]![1]).toBe('ThreadPool(behaviours.js)');
      expect(failures[0]![2]).toEqual([{ op: 'throw' }]);
    } finally {
      stop();
    }
  });

  it('is bounded like every background task: a full queue throws at the call', async () => {
    configureBackgroundTasks({ maxPending: 2 });
    pool.startNewThread({ op: 'spin', ms: 20 });
    pool.startNewThread({ op: 'spin', ms: 20 });
    expect(() => pool.startNewThread({ op: 'spin', ms: 20 })).toThrow(BackgroundQueueFullError);
    expect(await drainBackgroundTasks()).toMatchObject({ completed: 2, pending: 0 });
  });
});

describe('ThreadPool: a task module named by its compiled name', () => {
  it('runs the TypeScript source beside it when the .js file is not there (under tsx)', async () => {
    // square.ts has no square.js beside it: the name a TypeScript project writes in its sources.
    const byCompiledName = new ThreadPool<(n: number) => number>(
      new URL('../fixtures/threads/square.js', import.meta.url),
      { maxThreads: 1 },
    );
    try {
      expect(await byCompiledName.runAll([2, 3])).toEqual([4, 9]);
    } finally {
      await byCompiledName.close();
    }
  });
});

describe('ThreadPool: bad input is a TypeError naming the parameter, never a hang', () => {
  it('a missing module or a relative path, at construction', () => {
    expect(() => new ThreadPool(new URL('../fixtures/threads/missing.js', import.meta.url))).toThrow(
      /^taskModuleUrl must name an existing module file, got file:\/\/.*missing\.js \(no such file\)$/,
    );
    expect(() => new ThreadPool('./task.js')).toThrow(
      "taskModuleUrl must be a file: URL, an absolute path or a data: URL (e.g. new URL('./task.js', import.meta.url)), got './task.js'",
    );
    expect(() => new ThreadPool(42 as never)).toThrow(TypeError);
  });

  it('a module without the export: every task fails with a TypeError listing its exports', async () => {
    const wrong = new ThreadPool(threadFixture('no-default-export'), {
      maxThreads: 1,
    });
    try {
      const outcomes = await wrong.runAllSettled([1, 2]);
      for (const outcome of outcomes) {
        expect(outcome.status).toBe('rejected');
        const reason = (outcome as { reason: Error }).reason;
        expect(reason).toBeInstanceOf(TypeError);
        expect(reason.message).toMatch(
          /^taskModuleUrl file:.*no-default-export\.js has no function export "default" \(its exports: checksum, version\); export the task function as default, or name it with the exportName option$/,
        );
      }
    } finally {
      await wrong.close();
    }
    const named = new ThreadPool(threadFixture('no-default-export'), {
      maxThreads: 1,
      exportName: 'checksum',
    });
    try {
      expect(await named.runAll(['abc', 'de'])).toEqual([3, 2]);
    } finally {
      await named.close();
    }
  });

  it('a module that throws while loading: every task fails with that error', async () => {
    const broken = new ThreadPool(threadFixture('throws-on-load'), { maxThreads: 1 });
    try {
      const outcomes = await broken.runAllSettled([1, 2]);
      for (const outcome of outcomes) {
        expect(outcome.status).toBe('rejected');
        expect((outcome as { reason: Error }).reason).toBeInstanceOf(RangeError);
        expect((outcome as { reason: Error }).reason.message).toBe('cannot load: TASK_CONFIG is not set');
      }
    } finally {
      await broken.close();
    }
  });

  it('params the clone refuses: functions, symbols, anywhere in the param', async () => {
    const bad: [unknown, string][] = [
      [
        { op: 'square', n: 1, fn: () => 1 },
        'params[0] cannot be sent to a worker thread: params[0].fn is a function (fn)',
      ],
      [new Map([['k', Symbol('s')]]), 'params[0] cannot be sent to a worker thread: params[0].get("k") is a symbol'],
    ];
    for (const [param, message] of bad) {
      const error = await pool.runAll([param as Command]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message.startsWith(message)).toBe(true);
    }
  });

  it('class instances and Buffers arrive as structured clone copies them: plain data', async () => {
    class Point {
      constructor(readonly x: number) {}
    }
    const [arrived] = await pool.runAll([
      { op: 'describe', value: { point: new Point(1), bytes: Buffer.from('abc') } },
    ]);
    expect(arrived).toEqual({ point: '[object Object]', bytes: '[object Uint8Array]' });
  });

  it('plain data passes and arrives as what it was: Map, Set, Date, RegExp, typed arrays, Blob, errors, cycles', async () => {
    const value: Record<string, unknown> = {
      map: new Map([['k', { deep: [1] }]]),
      set: new Set([1n]),
      date: new Date(0),
      regexp: /x/g,
      bytes: new Float64Array(4),
      view: new DataView(new ArrayBuffer(8)),
      shared: new SharedArrayBuffer(8),
      blob: new Blob(['abc']),
      error: new RangeError('carried, not thrown'),
      nothing: Object.create(null) as object,
    };
    value.self = value;
    const [arrived] = await pool.runAll([{ op: 'describe', value }]);
    expect(arrived).toEqual({
      map: '[object Map]',
      set: '[object Set]',
      date: '[object Date]',
      regexp: '[object RegExp]',
      bytes: '[object Float64Array]',
      view: '[object DataView]',
      shared: '[object SharedArrayBuffer]',
      blob: '[object Blob]',
      error: '[object Error]',
      nothing: '[object Object]',
      self: 'the object itself',
    });
  });

  it('results that cannot be sent back: a function; a class instance arrives as plain data', async () => {
    const outcomes = await pool.runAllSettled([{ op: 'return-function' }, { op: 'return-instance' }]);
    expect(outcomes[0]!.status).toBe('rejected');
    const reason = (outcomes[0] as { reason: Error }).reason;
    expect(reason).toBeInstanceOf(TypeError);
    expect(reason.message).toBe(
      "the task's result cannot be sent back from its worker thread: result.callback is a function (callback); functions cannot be sent to another thread",
    );
    expect(outcomes[1]).toEqual({ status: 'fulfilled', index: 1, value: { points: [{ x: 1, y: 2 }] } });
  });

  it('bad options', () => {
    expect(() => new ThreadPool(squareModule, { maxThreads: 0 })).toThrow(
      new RangeError('maxThreads must be an integer >= 1, got 0'),
    );
    expect(() => new ThreadPool(squareModule, { minThreads: 3, maxThreads: 2 })).toThrow(
      new RangeError('minThreads must be at most maxThreads (2), got 3'),
    );
    expect(() => new ThreadPool(squareModule, { threads: 2 } as never)).toThrow(/^options has no option "threads"/);
    expect(() => new ThreadPool(squareModule, { exportName: '' })).toThrow(TypeError);
    expect(() => pool.streamAll([], { transfer: 'all' as never })).toThrow(
      new TypeError("options.transfer must be a function, got 'all'"),
    );
  });

  it('a closed pool refuses new work', async () => {
    const closing = new ThreadPool(squareModule, { maxThreads: 1 });
    expect(await closing.runAll([2])).toEqual([4]);
    await closing.close();
    await expect(closing.runAll([1])).rejects.toThrow('ThreadPool(square.js) is closed: create a new ThreadPool');
    expect(() => closing.startNewThread(1)).toThrow('is closed');
    await closing.close(); // idempotent
  });
});
