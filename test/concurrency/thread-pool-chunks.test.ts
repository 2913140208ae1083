// test tier: unit
// ThreadPool's chunked hand-offs and the cancellation, crash and close rules that come with them:
// order, abort of tasks waiting inside a chunk and of running ones (without losing the thread,
// unless a task ignores its signal past the grace period), crashes mid-chunk, per-task timeouts
// inside a chunk, close({ timeoutMs }), ordered: false, and clone failures named by index and part.
// No timed assertions: every wait polls shared memory or the event loop against a deadline.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  CHUNK_TARGET_MS,
  type IndexedResult,
  onBackgroundError,
  drainBackgroundTasks,
  TaskError,
  ThreadCrashError,
  ThreadPool,
  TaskTimeoutError,
} from '../../src/concurrency/index.js';
import type behave from '../fixtures/threads/behaviours.js';
import type { Command } from '../fixtures/threads/behaviours.js';
import { eventually, sleep } from '../helpers/async.js';
import { threadFixture } from '../helpers/thread-fixtures.js';

const behaviours = threadFixture('behaviours');
const pools: ThreadPool<typeof behave>[] = [];
/** A pool closed after the file's tests. */
function newPool(options: ConstructorParameters<typeof ThreadPool>[1]): ThreadPool<typeof behave> {
  const pool = new ThreadPool<typeof behave>(behaviours, options);
  pools.push(pool);
  return pool;
}
afterAll(() => Promise.all(pools.map((pool) => pool.close())));

// What the heap keeps, after a full GC: garbage not yet collected says nothing about a leak.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
function retainedHeap(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const squares = (n: number): Command[] => range(n).map((i) => ({ op: 'square', n: i }));
const sharedState = (slots = 8): Int32Array => new Int32Array(new SharedArrayBuffer(4 * slots));

/** Waits until `state[1]` stops moving, and says whether it did. */
async function counterStops(state: Int32Array): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    const before = Atomics.load(state, 1);
    await sleep(20);
    if (Atomics.load(state, 1) === before) return true;
  }
  return false;
}

/** Runs short tasks until every thread of the pool has run one; the thread ids seen. */
async function startedThreads(pool: ThreadPool<typeof behave>): Promise<Set<unknown>> {
  const seen = new Set<unknown>();
  for (let i = 0; i < 50 && seen.size < pool.maxThreads; i++) {
    const ids = await pool.runAll(
      range(2 * pool.maxThreads).map((): Command => ({ op: 'spin-thread', ms: 20 })),
      { chunkSize: 1 },
    );
    ids.forEach((id) => seen.add(id));
  }
  expect(seen.size).toBe(pool.maxThreads);
  return seen;
}

/** The thread ids that run a few short tasks now: a thread replaced since `before` shows a new id. */
async function threadsNow(pool: ThreadPool<typeof behave>): Promise<unknown[]> {
  return pool.runAll(
    range(2 * pool.maxThreads).map((): Command => ({ op: 'spin-thread', ms: 20 })),
    { chunkSize: 1 },
  );
}

describe('ThreadPool: chunks', () => {
  it('keeps input order, and gives the worker each param with its index and attempt', async () => {
    const pool = newPool({ maxThreads: 2 });
    expect(await pool.runAll(squares(5000))).toEqual(range(5000).map((n) => n * n));
    expect(await pool.runAll(squares(1000), { chunkSize: 7 })).toEqual(range(1000).map((n) => n * n));
    expect(await pool.runAll(range(300).map(() => ({ op: 'index' })))).toEqual(range(300));
    expect(await pool.runAll([{ op: 'context' }, { op: 'context' }])).toEqual([
      { index: 0, attempt: 1, aborted: false },
      { index: 1, attempt: 1, aborted: false },
    ]);
    const seen: unknown[] = [];
    for await (const value of pool.streamAll(squares(3000), { chunkSize: 50, highWaterMark: 100 })) seen.push(value);
    expect(seen).toEqual(range(3000).map((n) => n * n));
  });

  it('onProgress counts single tasks, however many travel in one chunk', async () => {
    const pool = newPool({ maxThreads: 2, chunkSize: 10 });
    const done: number[] = [];
    const totals = new Set<number | undefined>();
    await pool.runAll(squares(95), {
      onProgress: (progress) => {
        done.push(progress.done);
        totals.add(progress.total);
      },
    });
    expect(done).toEqual(range(95).map((i) => i + 1));
    expect([...totals]).toEqual([95]);
  });

  it('sizes chunks from measured task time: tiny tasks by the hundred, long tasks alone', async () => {
    const tiny = newPool({ maxThreads: 2 });
    expect(tiny.chunkSize).toBe(1); // nothing measured yet
    await tiny.runAll(squares(20_000));
    expect(tiny.chunkSize).toBeGreaterThanOrEqual(100);
    const long = newPool({ maxThreads: 2 });
    await long.runAll(range(6).map(() => ({ op: 'spin', ms: 4 * CHUNK_TARGET_MS })));
    expect(long.chunkSize).toBe(1);
    const fixed = newPool({ maxThreads: 1, chunkSize: 16 });
    expect(fixed.chunkSize).toBe(16);
  });

  it('pulls lazy and async input as its window needs, not all at once', async () => {
    const pool = newPool({ maxThreads: 2, chunkSize: 4 });
    let pulled = 0;
    async function* input(): AsyncGenerator<Command> {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield { op: 'spin', ms: 200 };
      }
    }
    const controller = new AbortController();
    const run = pool.runAll(input(), { signal: controller.signal });
    await eventually(() => pulled >= 4);
    await sleep(50);
    // Three chunks per thread: one running, one waiting in the worker, one being gathered.
    expect(pulled).toBeLessThanOrEqual(3 * 4 * 2 + 1);
    controller.abort();
    await run.catch(() => undefined);
  });

  it('ordered: false gives results as they finish, each with its index', async () => {
    const pool = newPool({ maxThreads: 2, chunkSize: 1 });
    await startedThreads(pool);
    const commands: Command[] = [{ op: 'spin', ms: 300 }, ...squares(20).slice(1)];
    const results = await pool.runAll(commands, { ordered: false });
    expectTypeOf(results).toEqualTypeOf<IndexedResult<unknown>[]>();
    expect(results).toHaveLength(20);
    // The slow first task finishes after the quick ones that the other thread ran meanwhile.
    expect(results[0]!.index).not.toBe(0);
    const byIndex = new Map(results.map(({ index, value }) => [index, value]));
    expect([...byIndex.keys()].sort((a, b) => a - b)).toEqual(range(20));
    expect(byIndex.get(0)).toBe(300);
    expect(byIndex.get(7)).toBe(49);

    const streamed: IndexedResult<unknown>[] = [];
    for await (const item of pool.streamAll(commands, { ordered: false, highWaterMark: 4 })) streamed.push(item);
    expect(streamed.map((r) => r.index).sort((a, b) => a - b)).toEqual(range(20));
    expect(streamed[0]!.index).not.toBe(0);

    const error = (await pool
      .runAll([{ op: 'square', n: 2 }, { op: 'throw-type' }], { ordered: false, stopOnError: false })
      .catch((e: unknown) => e)) as AggregateError;
    expect(error.errors).toHaveLength(1);
    expect(error.errors[0]).toBeInstanceOf(TaskError);
    expect(error.errors[0]).toMatchObject({ index: 1 });
  });

  it('streams 1M tasks in constant memory', async () => {
    const pool = newPool({ maxThreads: 2 });
    function* input(): Generator<number> {
      for (let i = 0; i < 1_000_000; i++) yield i;
    }
    const typed = pool as unknown as ThreadPool<(n: number) => number>;
    let count = 0;
    let sum = 0;
    let peakHeap = 0;
    let heapAt100k = 0;
    for await (const value of typed.streamAll(input(), { ordered: false })) {
      count++;
      sum += value.index;
      if (count === 100_000) heapAt100k = retainedHeap();
      else if (count % 200_000 === 0) peakHeap = Math.max(peakHeap, retainedHeap());
    }
    expect(count).toBe(1_000_000);
    expect(sum).toBe((999_999 * 1_000_000) / 2);
    // The window is bounded (a few chunks per thread): what the heap keeps, measured after a full
    // GC, does not grow with the input. Holding the 900k results since the first sample would keep
    // at least 900k objects of two fields, over 20 MB.
    expect(peakHeap - heapAt100k).toBeLessThan(16 * 1024 * 1024);
  }, 120_000);
});

describe('ThreadPool: cancellation without losing a thread', () => {
  it('an abort skips the tasks waiting inside a chunk and stops the running one through its signal', async () => {
    const pool = newPool({ maxThreads: 1, chunkSize: 4, cancelGraceMs: 60_000 });
    const before = await startedThreads(pool);
    const state = sharedState();
    const tally = sharedState();
    const controller = new AbortController();
    const reason = new Error('stop now');
    const tallies = range(3).map((n): Command => ({ op: 'tally', state: tally, n }));
    const run = pool.runAll([{ op: 'count-until-aborted', state }, ...tallies], { signal: controller.signal });
    expect(await eventually(() => Atomics.load(state, 1) > 1000)).toBe(true);
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    // The loop never yields, yet its signal stopped it: the shared state word, not a message.
    expect(await eventually(() => Atomics.load(state, 2) === 1)).toBe(true);
    expect(await counterStops(state)).toBe(true);
    // The three tasks behind it in the chunk never ran, and the thread is the same one.
    expect(await pool.runAll(squares(3))).toEqual([0, 1, 4]);
    expect([...tally.slice(0, 3)]).toEqual([0, 0, 0]);
    expect((await threadsNow(pool)).every((id) => before.has(id))).toBe(true);
  });

  it('a task waiting on its signal (I/O style) sees it abort, with the reason', async () => {
    const pool = newPool({ maxThreads: 1, cancelGraceMs: 60_000 });
    const before = await startedThreads(pool);
    const state = sharedState();
    const controller = new AbortController();
    const running = pool.run({ op: 'wait-for-abort', state }, { signal: controller.signal });
    expect(await eventually(() => Atomics.load(state, 0) === 1)).toBe(true);
    controller.abort(new RangeError('enough'));
    await expect(running).rejects.toThrow('enough');
    expect(await eventually(() => Atomics.load(state, 2) === 1)).toBe(true);
    expect((await threadsNow(pool)).every((id) => before.has(id))).toBe(true);
  });

  it('a running task that ignores its signal past cancelGraceMs gets its thread terminated and replaced', async () => {
    const pool = newPool({ maxThreads: 1, cancelGraceMs: 50 });
    const before = await startedThreads(pool);
    const state = sharedState();
    const controller = new AbortController();
    const run = pool.runAll([{ op: 'count-forever', state }, ...squares(3)], { signal: controller.signal });
    expect(await eventually(() => Atomics.load(state, 1) > 1000)).toBe(true);
    controller.abort();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(await counterStops(state)).toBe(true);
    expect(await pool.runAll(squares(3))).toEqual([0, 1, 4]);
    expect((await threadsNow(pool)).some((id) => before.has(id))).toBe(false);
  });

  it('rejects the grace period and chunk size when out of range, naming them', () => {
    expect(() => new ThreadPool(behaviours, { cancelGraceMs: -1 })).toThrow(RangeError);
    expect(() => new ThreadPool(behaviours, { cancelGraceMs: -1 })).toThrow(/^cancelGraceMs must be/);
    expect(() => new ThreadPool(behaviours, { chunkSize: 0 })).toThrow('chunkSize must be an integer >= 1, got 0');
    expect(() => new ThreadPool(behaviours, { chunkSize: 5000 })).toThrow('chunkSize must be at most 1024, got 5000');
  });
});

describe('ThreadPool: a crash mid-chunk', () => {
  it('fails only the task that was running; finished ones keep their results, the rest run elsewhere', async () => {
    const pool = newPool({ maxThreads: 1, chunkSize: 6 });
    const tally = sharedState();
    const commands: Command[] = [
      { op: 'tally', state: tally, n: 0 },
      { op: 'tally', state: tally, n: 1 },
      { op: 'exit', code: 7 },
      { op: 'tally', state: tally, n: 3 },
      { op: 'tally', state: tally, n: 4 },
      { op: 'tally', state: tally, n: 5 },
    ];
    const outcomes = await pool.runAllSettled(commands);
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : undefined))).toEqual([0, 1, undefined, 9, 16, 25]);
    const reason = (outcomes[2] as { reason: unknown }).reason;
    expect(reason).toBeInstanceOf(ThreadCrashError);
    expect(reason).toMatchObject({
      exitCode: 7,
      message:
        'task 2 failed: its worker thread exited with code 7 (process.exit() in the task?); the thread has been replaced',
    });
    // Each task ran exactly once: the finished ones were not run again.
    expect([...tally.slice(0, 6)]).toEqual([1, 1, 0, 1, 1, 1]);
  });

  it('with retries, the crashed task runs again on another thread and the run succeeds', async () => {
    const pool = newPool({ maxThreads: 1, chunkSize: 4 });
    const state = sharedState();
    const tally = sharedState();
    const results = await pool.runAll(
      [
        { op: 'tally', state: tally, n: 0 },
        { op: 'exit-once', state, code: 3 },
        { op: 'tally', state: tally, n: 2 },
        { op: 'tally', state: tally, n: 3 },
      ],
      { retries: { retries: 1, minDelayMs: 1 } },
    );
    expect(results).toEqual([0, 'second attempt', 4, 9]);
    expect(Atomics.load(state, 0)).toBe(2);
    expect([...tally.slice(0, 4)]).toEqual([1, 0, 1, 1]);
  });
});

describe('ThreadPool: timeouts per task inside a chunk', () => {
  it('times out the one task; the others of its chunk finish (taken over by the idle thread)', async () => {
    const pool = newPool({ maxThreads: 2, chunkSize: 3, cancelGraceMs: 60_000 });
    const before = await startedThreads(pool);
    const state = sharedState();
    const outcomes = await pool.runAllSettled(
      [{ op: 'square', n: 1 }, { op: 'wait-for-abort', state }, ...squares(6).slice(2)],
      { timeoutMs: 1000 },
    );
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', ...range(4).map(() => 'fulfilled')]);
    expect((outcomes[1] as { reason: unknown }).reason).toBeInstanceOf(TaskTimeoutError);
    expect((outcomes[1] as { reason: unknown }).reason).toMatchObject({ index: 1, timeoutMs: 1000 });
    // The task saw its signal fire with the TaskTimeoutError, stopped, and kept its thread.
    expect(await eventually(() => Atomics.load(state, 2) === 1)).toBe(true);
    expect((await threadsNow(pool)).every((id) => before.has(id))).toBe(true);
  });

  it('a timed-out task that never yields costs its thread after the grace period; the others finish', async () => {
    const pool = newPool({ maxThreads: 2, chunkSize: 3, cancelGraceMs: 50 });
    await startedThreads(pool); // the timeout measures the tasks, not a thread's start-up
    const state = sharedState();
    const outcomes = await pool.runAllSettled(
      [{ op: 'square', n: 1 }, { op: 'count-forever', state }, ...squares(6).slice(2)],
      { timeoutMs: 1000 },
    );
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', ...range(4).map(() => 'fulfilled')]);
    expect((outcomes[1] as { reason: unknown }).reason).toBeInstanceOf(TaskTimeoutError);
    expect(await counterStops(state)).toBe(true);
    expect(await pool.runAll(squares(4))).toEqual([0, 1, 4, 9]);
  });
});

describe('ThreadPool: close({ timeoutMs })', () => {
  it('waits for tasks that end, then closes', async () => {
    const pool = new ThreadPool<typeof behave>(behaviours, { maxThreads: 2 });
    const run = pool.runAll(range(4).map(() => ({ op: 'spin', ms: 50 })));
    await pool.close({ timeoutMs: 60_000 });
    expect(await run).toEqual([50, 50, 50, 50]);
  });

  it('terminates threads whose tasks never end once the timeout passes; their tasks fail', async () => {
    const pool = new ThreadPool<typeof behave>(behaviours, { maxThreads: 1, chunkSize: 1 });
    const state = sharedState();
    const stuck = pool.run({ op: 'count-forever', state });
    const queued = pool.run({ op: 'square', n: 3 });
    expect(await eventually(() => Atomics.load(state, 1) > 1000)).toBe(true);
    await pool.close({ timeoutMs: 100 });
    const error = await stuck.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThreadCrashError);
    expect((error as Error).message).toBe(
      'the task failed: ThreadPool(behaviours.js) was closed and its close() timeout passed while the task ran; its worker thread was terminated',
    );
    await expect(queued).rejects.toThrow(
      'the task did not start: ThreadPool(behaviours.js) was closed and its close() timeout (100 ms) passed',
    );
    expect(await counterStops(state)).toBe(true);
  });

  it('a run still pulling input when close() is called fails its later tasks with "is closed"', async () => {
    const pool = new ThreadPool<typeof behave>(behaviours, { maxThreads: 1, chunkSize: 1 });
    async function* input(): AsyncGenerator<Command> {
      for (let i = 0; i < 1000; i++) yield { op: 'square', n: i };
    }
    let closing: Promise<void> | undefined;
    const run = pool.runAll(input(), { onProgress: () => void (closing ??= pool.close()) });
    await expect(run).rejects.toThrow('ThreadPool(behaviours.js) is closed: create a new ThreadPool');
    await closing;
  });

  it('rejects a bad timeout, naming it', async () => {
    const pool = newPool({ maxThreads: 1 });
    await expect(pool.close({ timeoutMs: -5 })).rejects.toThrow(/^options\.timeoutMs must be/);
  });
});

describe('ThreadPool: clone failures, found without walking params before sending', () => {
  it('names the task index and the part the clone refused; the other tasks of the chunk run', async () => {
    const pool = newPool({ maxThreads: 1, chunkSize: 8 });
    const commands = [
      { op: 'square', n: 2 },
      { op: 'square', n: 3, nested: { list: [1, { fn: () => 1 }] } },
      { op: 'square', n: 4 },
    ] as Command[];
    const outcomes = await pool.runAllSettled(commands);
    expect(outcomes[0]).toEqual({ status: 'fulfilled', index: 0, value: 4 });
    expect(outcomes[2]).toEqual({ status: 'fulfilled', index: 2, value: 16 });
    const reason = (outcomes[1] as { reason: Error }).reason;
    expect(reason).toBeInstanceOf(TypeError);
    expect(reason.message).toBe(
      'params[1] cannot be sent to a worker thread: params[1].nested.list[1].fn is a function (fn); functions cannot be sent to another thread',
    );
    expect((reason.cause as Error).name).toBe('DataCloneError');
  });

  it('a host object the clone refuses (a Promise), and a result that cannot come back', async () => {
    const pool = newPool({ maxThreads: 1 });
    const error = await pool
      .runAll([{ op: 'square', n: 1, wait: Promise.resolve() } as Command])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(
      /^params\[0\] cannot be sent to a worker thread: params\[0\]\.wait is a Promise, which cannot be sent to another thread \(.*could not be cloned/,
    );
    const [outcome] = await pool.runAllSettled([{ op: 'return-function' }]);
    expect((outcome as { reason: Error }).reason.message).toBe(
      "the task's result cannot be sent back from its worker thread: result.callback is a function (callback); functions cannot be sent to another thread",
    );
  });

  it('startNewThread reports a param the clone refuses to onBackgroundError', async () => {
    const pool = newPool({ maxThreads: 1 });
    const failures: unknown[] = [];
    const stop = onBackgroundError((error) => failures.push(error));
    try {
      pool.startNewThread({ op: 'square', n: 1, fn: () => 1 } as Command);
      expect(await drainBackgroundTasks()).toMatchObject({ failed: 1, pending: 0 });
      expect(failures[0]).toBeInstanceOf(TypeError);
      expect((failures[0] as Error).message).toMatch(
        /^param cannot be sent to a worker thread: param\.fn is a function/,
      );
    } finally {
      stop();
    }
  });
});
