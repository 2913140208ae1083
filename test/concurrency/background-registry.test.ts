// test tier: unit
// Two background registries side by side in one process: each drains, reports and counts its
// own tasks only, and ThreadPool tracks its background tasks in the registry it is given.
import { afterEach, describe, expect, it } from 'vitest';
import {
  BackgroundQueueFullError,
  BackgroundTasks,
  backgroundTaskStats,
  defaultBackgroundTasks,
  drainBackgroundTasks,
  onBackgroundError,
  startNewThread,
  ThreadPool,
} from '../../src/concurrency/index.js';
import type behave from '../fixtures/threads/behaviours.js';
import { deferred, nextTurn } from '../helpers/async.js';
import { threadFixture } from '../helpers/thread-fixtures.js';

const behaviours = threadFixture('behaviours');

afterEach(async () => {
  expect((await drainBackgroundTasks({ timeoutMs: 2000 })).pending).toBe(0);
});

/** Whether `promise` has settled, readable at any time. */
function watch(promise: Promise<unknown>): { readonly settled: boolean } {
  let settled = false;
  void promise.then(() => (settled = true));
  return {
    get settled() {
      return settled;
    },
  };
}

describe('two BackgroundTasks registries', () => {
  it('drain separately: a task pending in A holds A’s drain, not B’s', async () => {
    const a = new BackgroundTasks();
    const b = new BackgroundTasks();
    const gateA = deferred();
    const gateB = deferred();
    a.startNewThread(() => gateA.promise, { name: 'held in A' })();
    const inB = b.startNewThread(() => gateB.promise, { name: 'held in B' });
    inB();

    // B's drain waits for B's own task: the drain that resolves below could have waited.
    const drainingB = b.drain();
    const drainB = watch(drainingB);
    await nextTurn();
    await nextTurn();
    expect(drainB.settled).toBe(false);
    gateB.resolve();
    await expect(drainingB).resolves.toEqual({ completed: 1, failed: 0, pending: 0 });

    // A's task is still pending, and A's drain waits for it; releasing it ends the drain.
    const drainingA = a.drain();
    const drainA = watch(drainingA);
    await expect(b.drain()).resolves.toEqual({ completed: 0, failed: 0, pending: 0 });
    expect(drainA.settled).toBe(false);
    expect(a.stats()).toEqual({ pending: 1, completed: 0, failed: 0 });
    gateA.resolve();
    await expect(drainingA).resolves.toEqual({ completed: 1, failed: 0, pending: 0 });
    expect(b.stats()).toEqual({ pending: 0, completed: 1, failed: 0 });
  });

  it('report each failure to its own registry’s handlers, and count it there alone', async () => {
    const a = new BackgroundTasks();
    const b = new BackgroundTasks();
    const seen: string[] = [];
    const stopA = a.onError((error, task) => seen.push(`A: ${task.name}: ${(error as Error).message}`));
    const stopB = b.onError((error, task) => seen.push(`B: ${task.name}: ${(error as Error).message}`));
    const stopDefault = onBackgroundError((error, task) => seen.push(`default: ${task.name}`));
    try {
      const fail = (message: string): never => {
        throw new Error(message);
      };
      a.startNewThread(fail, { name: 'a-task' })('from A');
      startNewThread(fail, { name: 'b-task', tasks: b })('from B');
      // The default registry's handler is live: its own failure reaches it.
      startNewThread(fail, { name: 'default-task' })('from default');
      await Promise.all([a.drain(), b.drain(), drainBackgroundTasks()]);
      expect(seen.sort()).toEqual(['A: a-task: from A', 'B: b-task: from B', 'default: default-task']);
      expect(a.stats()).toEqual({ pending: 0, completed: 0, failed: 1 });
      expect(b.stats()).toEqual({ pending: 0, completed: 0, failed: 1 });
    } finally {
      stopA();
      stopB();
      stopDefault();
    }
  });

  it('keep their own counters and their own maxPending bound', async () => {
    const a = new BackgroundTasks({ maxPending: 1 });
    const b = new BackgroundTasks();
    const before = backgroundTaskStats();
    const noop = (): void => undefined;
    a.startNewThread(noop)();
    expect(() => a.startNewThread(noop)()).toThrow(BackgroundQueueFullError);
    // B, and the default registry, are not full because A is.
    b.startNewThread(noop)();
    b.startNewThread(noop)();
    expect(a.stats().pending).toBe(1);
    expect(b.stats().pending).toBe(2);
    expect(backgroundTaskStats()).toEqual(before);
    expect(a.configure()).toEqual({ maxPending: 1 });
    expect(defaultBackgroundTasks.configure().maxPending).not.toBe(1);
    await Promise.all([a.drain(), b.drain()]);
    expect(a.stats()).toEqual({ pending: 0, completed: 1, failed: 0 });
    expect(b.stats()).toEqual({ pending: 0, completed: 2, failed: 0 });
  });

  it('refuses a tasks option that is not a registry', () => {
    expect(() => startNewThread(() => 1, { tasks: {} as never })).toThrow(
      new TypeError('options.tasks must be a BackgroundTasks registry, got {}'),
    );
    expect(() => new ThreadPool(behaviours, { tasks: 'default' as never })).toThrow(
      new TypeError("tasks must be a BackgroundTasks registry, got 'default'"),
    );
  });

  it('schedule refuses args that is not an array, at the call, and queues nothing', () => {
    const tasks = new BackgroundTasks();
    const fn = (): void => undefined;
    expect(() => tasks.schedule(fn, undefined, undefined as never, 'bad')).toThrow(
      new TypeError('args must be an array, got undefined'),
    );
    expect(() => tasks.schedule(fn, undefined, 'ab' as never, 'bad')).toThrow(
      new TypeError("args must be an array, got 'ab'"),
    );
    expect(tasks.stats()).toEqual({ pending: 0, completed: 0, failed: 0 });
  });
});

describe('ThreadPool with its own registry', () => {
  it('tracks pool.startNewThread there: its drain waits for it, its handlers get the failure', async () => {
    const tasks = new BackgroundTasks();
    const failures: string[] = [];
    const stop = tasks.onError((_error, task) => failures.push(task.name));
    const defaultFailures: string[] = [];
    const stopDefault = onBackgroundError((_error, task) => defaultFailures.push(task.name));
    const pool = new ThreadPool<typeof behave>(behaviours, { maxThreads: 1, tasks, name: 'own pool' });
    try {
      pool.startNewThread({ op: 'spin', ms: 20 });
      pool.startNewThread({ op: 'throw' });
      expect(tasks.stats().pending).toBe(2);
      expect(backgroundTaskStats().pending).toBe(0);
      expect(await tasks.drain()).toEqual({ completed: 1, failed: 1, pending: 0 });
      expect(failures).toEqual(['own pool']);
      expect(defaultFailures).toEqual([]);
      // The default registry's handler could have been told: a default pool's failure reaches it.
      const defaultPool = new ThreadPool<typeof behave>(behaviours, { maxThreads: 1, name: 'default pool' });
      try {
        defaultPool.startNewThread({ op: 'throw' });
        await drainBackgroundTasks();
        expect(defaultFailures).toEqual(['default pool']);
      } finally {
        await defaultPool.close();
      }
    } finally {
      stop();
      stopDefault();
      await pool.close();
    }
  });
});
