// test tier: unit
import { AsyncLocalStorage } from 'node:async_hooks';
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import {
  BackgroundQueueFullError,
  backgroundTaskStats,
  configureBackgroundTasks,
  DEFAULT_MAX_PENDING_BACKGROUND_TASKS,
  drainBackgroundTasks,
  installShutdownHooks,
  onBackgroundError,
  PopotoError,
  start_new_thread,
  startNewThread,
  type BackgroundTaskInfo,
} from '../../src/concurrency/index.js';
import { scheduleHousekeeping } from '../../src/concurrency/background.js';
import { deferred, nextTurn, sleep, watchUnhandledRejections } from '../helpers/async.js';

afterEach(async () => {
  const { pending } = await drainBackgroundTasks({ timeoutMs: 2000 });
  expect(pending).toBe(0);
  vi.restoreAllMocks();
});

/** Collects stderr writes while `body` runs. */
async function captureStderr(body: () => Promise<void>): Promise<string> {
  let text = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  });
  try {
    await body();
  } finally {
    spy.mockRestore();
  }
  return text;
}

describe('startNewThread', () => {
  it('returns undefined at once and runs fn on a later event-loop turn, with its arguments', async () => {
    const calls: unknown[][] = [];
    const publishEvent = startNewThread((channel: string, message: string) => {
      calls.push([channel, message]);
    });
    const returned = publishEvent('updates', 'model_saved');
    expect(returned).toBeUndefined();
    await Promise.resolve();
    // Not even in a microtask: a later turn of the loop.
    expect(calls).toEqual([]);
    await nextTurn();
    expect(calls).toEqual([['updates', 'model_saved']]);
  });

  it('passes every argument as given, whatever their number (none, one, undefined, several), and reports them', async () => {
    const calls: unknown[][] = [];
    const record = startNewThread(
      (...args: unknown[]) => {
        calls.push(args);
        throw new Error(`call ${calls.length}`);
      },
      { name: 'record' },
    );
    const reported: unknown[][] = [];
    const remove = onBackgroundError((_error, task) => reported.push(task.args));
    const shared = { a: 1 };
    record();
    record(undefined);
    record(shared);
    record(1, undefined);
    record('a', 'b', 'c');
    await drainBackgroundTasks();
    remove();
    const expected = [[], [undefined], [shared], [1, undefined], ['a', 'b', 'c']];
    expect(calls).toEqual(expected);
    expect(calls.map((args) => args.length)).toEqual([0, 1, 1, 2, 3]);
    expect(calls[2]![0]).toBe(shared);
    expect(reported).toEqual(expected);
    expect(reported.map((args) => args.length)).toEqual([0, 1, 1, 2, 3]);
  });

  it('keeps `this` when the wrapper is called as a method', async () => {
    const target = {
      label: 'me',
      seen: '',
      record: startNewThread(function (this: { label: string; seen: string }) {
        this.seen = this.label;
      }),
    };
    target.record();
    await drainBackgroundTasks();
    expect(target.seen).toBe('me');
  });

  it('counts pending, completed and failed tasks', async () => {
    const before = backgroundTaskStats();
    const gate = deferred();
    const ok = startNewThread(() => gate.promise);
    const bad = startNewThread(async () => {
      await gate.promise;
      throw new Error('counted');
    });
    const stopHandler = onBackgroundError(() => undefined);
    ok();
    ok();
    bad();
    expect(backgroundTaskStats().pending - before.pending).toBe(3);
    gate.resolve();
    await drainBackgroundTasks();
    stopHandler();
    const after = backgroundTaskStats();
    expect(after.pending).toBe(0);
    expect(after.completed - before.completed).toBe(2);
    expect(after.failed - before.failed).toBe(1);
  });

  it('sends failures (sync throw and rejection) to onBackgroundError handlers with name and args', async () => {
    const seen: [unknown, BackgroundTaskInfo][] = [];
    const remove = onBackgroundError((error, task) => seen.push([error, task]));
    const syncFailure = new Error('sync failure');
    const asyncFailure = new Error('async failure');
    const throwsNow = startNewThread(
      (_id: number) => {
        throw syncFailure;
      },
      { name: 'throwsNow' },
    );
    async function rejectsLater(_id: number): Promise<void> {
      await sleep(1);
      throw asyncFailure;
    }
    startNewThread(rejectsLater)(7);
    throwsNow(1);
    const stderr = await captureStderr(async () => {
      await drainBackgroundTasks();
    });
    remove();
    expect(stderr).toBe('');
    expect(seen).toEqual([
      [syncFailure, { name: 'throwsNow', args: [1] }],
      [asyncFailure, { name: 'rejectsLater', args: [7] }],
    ]);
  });

  it('prints `Exception in background task <name>: <stack>` to stderr when no handler is registered', async () => {
    const failure = new Error('nobody listens');
    const stderr = await captureStderr(async () => {
      startNewThread(async function saveUser() {
        throw failure;
      })();
      await drainBackgroundTasks();
    });
    expect(stderr).toBe(`Exception in background task saveUser: ${failure.stack}\n`);
  });

  it('never produces an unhandled rejection, even when a handler throws', async () => {
    const unhandled = watchUnhandledRejections();
    const remove = onBackgroundError(() => {
      throw new Error('handler broke');
    });
    try {
      const stderr = await captureStderr(async () => {
        startNewThread(() => Promise.reject(new Error('task broke')), { name: 'fragile' })();
        await drainBackgroundTasks();
        await unhandled.settled();
      });
      expect(stderr).toContain('Exception in background task fragile: Error: task broke');
      expect(stderr).toContain(
        'Exception in background task onBackgroundError handler for fragile: Error: handler broke',
      );
      expect(unhandled.reasons).toEqual([]);
    } finally {
      remove();
      unhandled.stop();
    }
  });

  it('works as a stage 3 method decorator, naming the task Class.method', async () => {
    const seen: string[] = [];
    const errors: string[] = [];
    const remove = onBackgroundError((_error, task) => errors.push(task.name));
    class Notifier {
      constructor(private readonly prefix: string) {}

      @startNewThread
      async publish(message: string): Promise<void> {
        await sleep(1);
        seen.push(`${this.prefix}${message}`);
      }

      @startNewThread
      fail(): void {
        throw new Error('decorated failure');
      }
    }
    const notifier = new Notifier('> ');
    expect(notifier.publish('hello')).toBeUndefined();
    notifier.fail();
    expect(seen).toEqual([]);
    await drainBackgroundTasks();
    remove();
    expect(seen).toEqual(['> hello']);
    expect(errors).toEqual(['Notifier.fail']);
  });

  it('types the wrapper with the parameters of fn and a void result', () => {
    const publishEvent = startNewThread(async (channel: string, count: number) => `${channel}${count}`);
    expectTypeOf(publishEvent).toEqualTypeOf<(channel: string, count: number) => void>();
    // @ts-expect-error: arguments are checked against fn's parameters
    expectTypeOf(publishEvent).toBeCallableWith('updates', 'not a number');
  });

  it('counts a thenable whose then() throws as a failure, and keeps running the other tasks', async () => {
    const before = backgroundTaskStats();
    const errors: unknown[] = [];
    const remove = onBackgroundError((error) => errors.push(error));
    const broken = new Error('then broke');
    startNewThread(() => ({
      then(): never {
        throw broken;
      },
    }))();
    let ranAfter = false;
    startNewThread(() => {
      ranAfter = true;
    })();
    await drainBackgroundTasks({ timeoutMs: 1000 });
    remove();
    expect(errors).toEqual([broken]);
    expect(ranAfter).toBe(true);
    const after = backgroundTaskStats();
    expect(after.pending).toBe(0);
    expect(after.failed - before.failed).toBe(1);
  });

  it('refuses to decorate anything but a method', () => {
    expect(() =>
      startNewThread(() => 1, { kind: 'getter', name: 'x', addInitializer: () => undefined } as never),
    ).toThrow(new TypeError('startNewThread decorates methods only, got a getter decorator'));
  });

  it('has the Python-style alias', () => {
    expect(start_new_thread).toBe(startNewThread);
  });

  it('rejects bad input, naming the parameter and the value', () => {
    expect(() => startNewThread(undefined as never)).toThrow(new TypeError('fn must be a function, got undefined'));
    expect(() => startNewThread(() => 1, { name: 5 } as never)).toThrow(
      new TypeError('options.name must be a string, got 5'),
    );
    expect(() => startNewThread(() => 1, 'name' as never)).toThrow(
      new TypeError("options must be an object, got 'name'"),
    );
    expect(() => startNewThread(() => 1, { nam: 'x' } as never)).toThrow(
      new TypeError('options has no option "nam" (known: name, tasks)'),
    );
    expect(() => onBackgroundError('log' as never)).toThrow(new TypeError("handler must be a function, got 'log'"));
  });
});

describe('startNewThread: async context', () => {
  it("runs each task in its caller's AsyncLocalStorage context, even when scheduled in one turn", async () => {
    const request = new AsyncLocalStorage<string>();
    const seen: [string, string | undefined][] = [];
    const log = startNewThread(async (label: string) => {
      seen.push([label, request.getStore()]);
      await sleep(1);
      seen.push([`${label} after await`, request.getStore()]);
    });
    request.run('request-A', () => log('a'));
    request.run('request-B', () => log('b'));
    log('none');
    await drainBackgroundTasks();
    expect(seen.sort((x, y) => x[0].localeCompare(y[0]))).toEqual([
      ['a', 'request-A'],
      ['a after await', 'request-A'],
      ['b', 'request-B'],
      ['b after await', 'request-B'],
      ['none', undefined],
      ['none after await', undefined],
    ]);
  });

  it("reports a failure to the handlers in the failed task's context", async () => {
    const request = new AsyncLocalStorage<string>();
    const reported: (string | undefined)[] = [];
    const stop = onBackgroundError(() => reported.push(request.getStore()));
    const failSync = startNewThread(() => {
      throw new Error('sync');
    });
    const failAsync = startNewThread(async () => {
      await sleep(1);
      throw new Error('async');
    });
    request.run('request-A', () => failAsync());
    request.run('request-B', () => failSync());
    await drainBackgroundTasks();
    stop();
    expect(reported.sort()).toEqual(['request-A', 'request-B']);
  });

  it('keeps the context for a decorated method too', async () => {
    const request = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    class Saver {
      @startNewThread
      save(): void {
        seen.push(request.getStore());
      }
    }
    const saver = new Saver();
    request.run('request-A', () => saver.save());
    request.run('request-B', () => saver.save());
    await drainBackgroundTasks();
    expect(seen).toEqual(['request-A', 'request-B']);
  });
});

describe('startNewThread: bounded queue', () => {
  afterEach(() => {
    configureBackgroundTasks({ maxPending: DEFAULT_MAX_PENDING_BACKGROUND_TASKS });
  });

  it('throws a BackgroundQueueFullError (a PopotoError, ERR_POPOTO_BACKGROUND_QUEUE_FULL) at the call when full, drops nothing, and accepts again once drained', async () => {
    configureBackgroundTasks({ maxPending: 5 });
    const ran: number[] = [];
    const record = startNewThread((n: number) => ran.push(n), { name: 'record' });
    for (let i = 0; i < 5; i++) record(i);
    let error: unknown;
    try {
      record(5);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BackgroundQueueFullError);
    expect(error).toBeInstanceOf(PopotoError);
    expect(error).not.toBeInstanceOf(RangeError);
    expect(error).toMatchObject({ code: 'ERR_POPOTO_BACKGROUND_QUEUE_FULL' });
    expect(error).toMatchObject({ name: 'BackgroundQueueFullError', pending: 5, maxPending: 5 });
    expect((error as Error).message).toMatch(
      /^background queue is full: 5 tasks pending \(maxPending 5\), so record was not scheduled/,
    );
    expect(backgroundTaskStats().pending).toBe(5);
    await drainBackgroundTasks();
    expect(ran).toEqual([0, 1, 2, 3, 4]);
    record(6);
    await drainBackgroundTasks();
    expect(ran).toEqual([0, 1, 2, 3, 4, 6]);
  });

  it(`holds DEFAULT_MAX_PENDING_BACKGROUND_TASKS (${DEFAULT_MAX_PENDING_BACKGROUND_TASKS}) pending calls by default, and refuses the next`, async () => {
    expect(configureBackgroundTasks()).toEqual({ maxPending: DEFAULT_MAX_PENDING_BACKGROUND_TASKS });
    let ran = 0;
    const count = startNewThread(() => {
      ran++;
    });
    for (let i = 0; i < DEFAULT_MAX_PENDING_BACKGROUND_TASKS; i++) count();
    expect(() => count()).toThrow(BackgroundQueueFullError);
    await drainBackgroundTasks();
    expect(ran).toBe(DEFAULT_MAX_PENDING_BACKGROUND_TASKS);
  });

  it('lowering the limit below what is pending refuses new tasks but runs every pending one', async () => {
    const gate = deferred();
    let ran = 0;
    const wait = startNewThread(async () => {
      await gate.promise;
      ran++;
    });
    for (let i = 0; i < 10; i++) wait();
    configureBackgroundTasks({ maxPending: 3 });
    expect(() => wait()).toThrow(BackgroundQueueFullError);
    gate.resolve();
    await drainBackgroundTasks();
    expect(ran).toBe(10);
  });

  it("runs popoto-ts's housekeeping outside the bound: never refused, never refusing, still drained and reported", async () => {
    configureBackgroundTasks({ maxPending: 1 });
    const gate = deferred();
    const busy = startNewThread(() => gate.promise, { name: 'busy' });
    busy();
    const ran: string[] = [];
    const failures: [unknown, BackgroundTaskInfo][] = [];
    const stop = onBackgroundError((error, task) => failures.push([error, task]));
    try {
      // Full with the application's task: housekeeping is still scheduled...
      scheduleHousekeeping(async (what: string) => void ran.push(what), undefined, ['clean'], 'housekeeping');
      scheduleHousekeeping(
        () => {
          throw new Error('cleanup failed');
        },
        undefined,
        [],
        'failing housekeeping',
      );
      expect(backgroundTaskStats().pending).toBe(3);
      // ...and takes no place in the application's bound, which stays full with its one task.
      expect(() => busy()).toThrow(expect.objectContaining({ pending: 1, maxPending: 1 }));
      gate.resolve();
      const drained = await drainBackgroundTasks();
      expect(drained).toEqual({ completed: 2, failed: 1, pending: 0 });
      expect(ran).toEqual(['clean']);
      expect(failures).toEqual([[new Error('cleanup failed'), { name: 'failing housekeeping', args: [] }]]);
      // Housekeeping pending does not refuse the application's next task.
      scheduleHousekeeping(() => gate.promise, undefined, [], 'housekeeping');
      busy();
      await drainBackgroundTasks();
    } finally {
      gate.resolve();
      stop();
    }
  });

  it('checks its options, naming them', () => {
    expect(() => configureBackgroundTasks({ maxPending: 0 })).toThrow(
      new RangeError('maxPending must be an integer >= 1 or Infinity, got 0'),
    );
    expect(() => configureBackgroundTasks({ maxPending: '10' as never })).toThrow(TypeError);
    expect(() => configureBackgroundTasks({ maxPendng: 1 } as never)).toThrow(
      'options has no option "maxPendng" (known: maxPending)',
    );
    expect(configureBackgroundTasks({ maxPending: Infinity })).toEqual({ maxPending: Infinity });
  });
});

describe('drainBackgroundTasks', () => {
  it('resolves at once with zeros when nothing is pending', async () => {
    expect(await drainBackgroundTasks()).toEqual({ completed: 0, failed: 0, pending: 0 });
  });

  it('also waits for tasks started while draining', async () => {
    const order: string[] = [];
    const child = startNewThread(async () => {
      await sleep(20);
      order.push('child');
    });
    const parent = startNewThread(async () => {
      await sleep(10);
      order.push('parent');
      child();
    });
    parent();
    const result = await drainBackgroundTasks();
    expect(order).toEqual(['parent', 'child']);
    expect(result).toEqual({ completed: 2, failed: 0, pending: 0 });
  });

  it('reports what is still pending when the timeout is reached', async () => {
    const gate = deferred();
    startNewThread(() => gate.promise)();
    const result = await drainBackgroundTasks({ timeoutMs: 20 });
    expect(result).toEqual({ completed: 0, failed: 0, pending: 1 });
    gate.resolve();
    expect(await drainBackgroundTasks()).toEqual({ completed: 1, failed: 0, pending: 0 });
  });

  it('rejects a bad timeout', async () => {
    await expect(drainBackgroundTasks({ timeoutMs: -1 })).rejects.toThrow(
      new RangeError('timeoutMs must be a number of milliseconds from 0 to 2147483647, got -1'),
    );
  });
});

describe('installShutdownHooks', () => {
  it('adds a listener per signal and removes it again', () => {
    const before = process.listenerCount('SIGTERM');
    const uninstall = installShutdownHooks({ signals: ['SIGTERM', 'SIGHUP'] });
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    expect(process.listenerCount('SIGHUP')).toBe(1);
    uninstall();
    expect(process.listenerCount('SIGTERM')).toBe(before);
    expect(process.listenerCount('SIGHUP')).toBe(0);
  });

  it('replaces an earlier installation instead of stacking a second drain', () => {
    const before = process.listenerCount('SIGINT');
    const first = installShutdownHooks();
    installShutdownHooks()();
    expect(process.listenerCount('SIGINT')).toBe(before);
    first();
  });

  it('rejects unknown or uncatchable signals and bad timeouts', () => {
    expect(() => installShutdownHooks({ signals: ['SIGNOPE' as NodeJS.Signals] })).toThrow(
      new RangeError('signals must name catchable signals, got "SIGNOPE"'),
    );
    expect(() => installShutdownHooks({ signals: ['SIGKILL'] })).toThrow(RangeError);
    expect(() => installShutdownHooks({ signals: [] })).toThrow(TypeError);
    expect(() => installShutdownHooks({ timeoutMs: Infinity })).toThrow(
      new RangeError('timeoutMs must be a number of milliseconds from 0 to 2147483647, got Infinity'),
    );
    expect(() => installShutdownHooks({ timeoutMs: 3e9 })).toThrow(RangeError);
    expect(() => installShutdownHooks({ signals: null, timeoutMs: 10 } as never)).toThrow(
      new TypeError('signals must be a non-empty array of signal names, got null'),
    );
    expect(() => installShutdownHooks({ timeoutMs: null } as never)).toThrow(TypeError);
    expect(() => installShutdownHooks({ signals: [15] } as never)).toThrow(
      new TypeError('signals[0] must be a string, got 15'),
    );
  });
});
