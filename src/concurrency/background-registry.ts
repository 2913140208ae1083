// A registry of fire-and-forget work. Python Popoto runs such work on daemon threads and loses
// it when the program exits; here every task is counted while it runs, so a program can drain
// it before exiting, and every failure reaches a handler instead of vanishing. The process has a
// default registry (background.ts) behind the free functions; a library or a test that wants its
// background work drained and reported apart makes its own.
import {
  assertDuration,
  assertFunction,
  assertInteger,
  assertKnownKeys,
  assertOptionalString,
  assertOptionsObject,
  optionNames,
} from '../utils/validate.js';
import { describeValue } from '../utils/errors.js';
import { BackgroundQueueFullError } from './background-queue-full.js';
import { reportToHandlers, type BackgroundErrorHandler, type BackgroundTaskInfo } from './background-report.js';
import {
  BackgroundScheduler,
  HousekeepingTask,
  QueuedTask,
  settleWhenDone,
  type BackgroundCall,
} from './background-scheduler.js';
import { listenForShutdown, type ShutdownHookOptions } from './shutdown-hooks.js';

/** Counters of background work since the registry was made. */
export interface BackgroundTaskStats {
  /** Tasks scheduled or running. */
  pending: number;
  /** Tasks that finished without error. */
  completed: number;
  /** Tasks that threw or rejected. */
  failed: number;
}

/**
 * Default bound on pending background tasks (queued, running, or tracked worker-thread tasks):
 * 262,144 (2^18).
 *
 * Sized by measurement: the heap a pending `startNewThread` call holds (its queued task with
 * its async-context binding, and an argument array unless it has one argument), measured by
 * scheduling 1M calls in one turn and comparing heapUsed after a full GC, puts a full queue well
 * inside a default Node heap, and it drains in seconds at the background SET rates the bench
 * reports (bench/report): far inside the shutdown hooks' default 10 s. A burst beyond it is a
 * runaway producer rather than a backlog; it gets a `BackgroundQueueFullError` at the call,
 * never a silent drop.
 */
export const DEFAULT_MAX_PENDING_BACKGROUND_TASKS = 2 ** 18;

/** Settings of a background registry. */
export interface BackgroundTaskConfig {
  /** Most background tasks pending at once (queued, running or tracked); an integer >= 1 or Infinity. */
  maxPending: number;
}

/** Options of `drainBackgroundTasks` and `BackgroundTasks.drain`. */
export interface DrainOptions {
  /** Give up waiting after this many ms and report what is still pending. Default: wait as long as it takes. */
  timeoutMs?: number;
}

/** What a drain saw: tasks that settled while it waited, and those still pending when it returned. */
export interface DrainResult {
  /** Tasks that completed during the drain. */
  completed: number;
  /** Tasks that failed during the drain. */
  failed: number;
  /** Tasks still pending (0 unless the timeout was reached). */
  pending: number;
}

/** Options of `BackgroundTasks.startNewThread`. */
export interface BackgroundFunctionOptions {
  /** Name used in error reports. Default: the function's name. */
  name?: string;
}

const CONFIG_OPTIONS = optionNames<BackgroundTaskConfig>({ maxPending: true });
const DRAIN_OPTIONS = optionNames<DrainOptions>({ timeoutMs: true });
const FUNCTION_OPTIONS = optionNames<BackgroundFunctionOptions>({ name: true });

/**
 * A background-task registry: its tasks, their counters, its error handlers and its bound.
 * `startNewThread`, `drainBackgroundTasks`, `onBackgroundError`, `backgroundTaskStats`,
 * `configureBackgroundTasks` and `installShutdownHooks` act on `defaultBackgroundTasks`; a
 * registry of your own keeps its work apart: its drain waits for its tasks only, its failures go
 * to its own handlers, its counters and `maxPending` are its own. Pass it as `{ tasks }` to
 * `startNewThread` or to `new ThreadPool`.
 *
 * @example
 * const tasks = new BackgroundTasks();
 * const publish = tasks.startNewThread((message: string) => redis.publish('updates', message));
 * publish('saved');
 * await tasks.drain();
 */
export class BackgroundTasks {
  #maxPending = DEFAULT_MAX_PENDING_BACKGROUND_TASKS;
  readonly #stats: BackgroundTaskStats = { pending: 0, completed: 0, failed: 0 };
  /** Pending housekeeping tasks: counted in `#stats.pending`, not against `#maxPending`. */
  #housekeepingPending = 0;
  readonly #errorHandlers = new Set<BackgroundErrorHandler>();
  readonly #idleWaiters = new Set<() => void>();
  readonly #scheduler = new BackgroundScheduler({
    completed: (task) => {
      if (task instanceof HousekeepingTask) this.#housekeepingPending--;
      this.#taskCompleted(task);
    },
    failed: (task, error) => {
      if (task instanceof HousekeepingTask) this.#housekeepingPending--;
      this.#taskFailed(error, { name: task.name, args: task.argumentList() }, task);
    },
  });
  #uninstallShutdownHooks: (() => void) | undefined;

  /** @param config initial settings (see `configure`). */
  constructor(config?: Partial<BackgroundTaskConfig>) {
    this.configure(config);
  }

  /**
   * Changes the registry's settings and returns them as now in force (call it with no argument
   * to read them). `maxPending` bounds the pending tasks: default
   * `DEFAULT_MAX_PENDING_BACKGROUND_TASKS`; lowering it below the number already pending refuses
   * new tasks until enough have finished, and drops nothing. It bounds the application's own
   * tasks: popoto-ts's housekeeping (removing the index entries of expired records a read came
   * across) is drained and reported like any task, but takes no place in the bound and is never
   * refused.
   */
  configure(options?: Partial<BackgroundTaskConfig>): BackgroundTaskConfig {
    assertOptionsObject(options, 'options');
    assertKnownKeys(options, CONFIG_OPTIONS, 'options');
    if (options?.maxPending !== undefined) {
      assertInteger(options.maxPending, 'maxPending', 1, { infinity: true });
      this.#maxPending = options.maxPending;
    }
    return { maxPending: this.#maxPending };
  }

  /**
   * Wraps `fn` so that each call schedules it as a task of this registry and returns `undefined`
   * at once: `startNewThread(fn, { ...options, tasks: this })`.
   */
  startNewThread<A extends unknown[]>(
    fn: (...args: A) => unknown,
    options?: BackgroundFunctionOptions,
  ): (...args: A) => void {
    assertFunction(fn, 'fn');
    assertOptionsObject(options, 'options');
    assertKnownKeys(options, FUNCTION_OPTIONS, 'options');
    assertOptionalString(options?.name, 'options.name');
    const call: BackgroundCall = {
      fn: fn as (...args: unknown[]) => unknown,
      name: options?.name ?? (fn.name || 'anonymous'),
    };
    const enqueue = (thisArg: unknown, args: unknown[] | undefined, arg?: unknown): void =>
      this.#enqueueCall(call, thisArg, args, arg);
    return function background(this: unknown): void {
      // `arguments` read by length and index only is not materialised, and the common call with
      // one argument is queued without an array: a burst of calls keeps one object per task.
      /* eslint-disable prefer-rest-params */
      const count = arguments.length;
      if (count === 1) {
        enqueue(this, undefined, arguments[0]);
        return;
      }
      const args = new Array<unknown>(count);
      for (let i = 0; i < count; i++) args[i] = arguments[i];
      /* eslint-enable prefer-rest-params */
      enqueue(this, args);
    };
  }

  /**
   * Schedules `fn.apply(thisArg, args)` as a tracked task in the caller's async context. It
   * starts on a later turn of the event loop, never inside the caller; all tasks scheduled in one
   * turn share a single `setImmediate`, so scheduling 100k of them costs one timer, not 100k.
   * Throws BackgroundQueueFullError when `maxPending` tasks are pending, and a TypeError when
   * `args` is not an array.
   */
  schedule(fn: (...args: unknown[]) => unknown, thisArg: unknown, args: unknown[], name: string): void {
    if (!Array.isArray(args)) throw new TypeError(`args must be an array, got ${describeValue(args)}`);
    this.#enqueueCall({ fn, name }, thisArg, args);
  }

  /**
   * Queues one call of `call.fn`: with `args`, or with the one argument `arg` when `args` is
   * undefined. Admitted before the task (an AsyncResource) is made: a refused call leaves no
   * resource behind.
   */
  #enqueueCall(call: BackgroundCall, thisArg: unknown, args: unknown[] | undefined, arg?: unknown): void {
    this.#admitPending(call.name);
    this.#scheduler.enqueue(new QueuedTask(call, thisArg, args, arg));
  }

  /**
   * Schedules popoto-ts's own housekeeping (removing the index entries of expired records that a
   * read came across) as a task that is never refused: a read must not fail, nor make the
   * application's next `startNewThread` fail, because of cleanup it scheduled. It runs like any
   * task, `drain()` and the shutdown hooks wait for it and its failures reach the error handlers,
   * but it takes no place in `maxPending`, which bounds the application's tasks. Callers keep it
   * bounded themselves (a query schedules a record key's cleanup once, however many reads meet it
   * meanwhile).
   */
  scheduleHousekeeping(fn: (...args: never[]) => unknown, thisArg: unknown, args: unknown[], name: string): void {
    this.#stats.pending++;
    this.#housekeepingPending++;
    this.#scheduler.enqueue(new HousekeepingTask({ fn: fn as (...args: unknown[]) => unknown, name }, thisArg, args));
  }

  /**
   * Starts work through `start` (a worker-thread task, say) and tracks it like a scheduled task:
   * counted as pending and bounded by `maxPending` (throws BackgroundQueueFullError, and `start`
   * is not called). It starts in the caller's own turn and context, and promise reactions keep
   * that context, so the failure report runs there without a binding of its own.
   */
  trackWork(start: () => PromiseLike<unknown>, info: BackgroundTaskInfo): void {
    this.#admitPending(info.name);
    let promise: PromiseLike<unknown>;
    try {
      promise = start();
    } catch (error) {
      this.#taskFailed(error, info);
      return;
    }
    this.#settleTracked(promise, info);
  }

  /**
   * Tracks work that is already running (a subscriber's callback, say): counted as pending, but
   * never refused, since refusing would not stop it. Reported in the caller's context, as above.
   */
  trackPromise(promise: PromiseLike<unknown>, info: BackgroundTaskInfo): void {
    this.#stats.pending++;
    this.#settleTracked(promise, info);
  }

  /** Sends `error` to this registry's error handlers, or to stderr when there are none. */
  report(error: unknown, info: BackgroundTaskInfo): void {
    reportToHandlers(this.#errorHandlers, error, info);
  }

  /** Current counters of this registry's work. */
  stats(): BackgroundTaskStats {
    return { ...this.#stats };
  }

  /**
   * Registers a handler for this registry's failed tasks and returns a function that removes
   * it. While at least one handler is registered, failures go to the handlers only; with none
   * they are printed to stderr as `Exception in background task <name>: <stack>`, as Python
   * does. Never an unhandled rejection, never a crash.
   */
  onError(handler: BackgroundErrorHandler): () => void {
    assertFunction(handler, 'handler');
    this.#errorHandlers.add(handler);
    return () => {
      this.#errorHandlers.delete(handler);
    };
  }

  /**
   * Waits until none of this registry's tasks is pending, including tasks started while
   * draining, or until `timeoutMs` has passed. Never rejects: failures go to the error handlers
   * as usual. Don't await it from inside one of its tasks: that task is itself pending.
   */
  async drain(options?: DrainOptions): Promise<DrainResult> {
    assertOptionsObject(options, 'options');
    assertKnownKeys(options, DRAIN_OPTIONS, 'options');
    const timeoutMs = options?.timeoutMs;
    if (timeoutMs !== undefined) assertDuration(timeoutMs, 'timeoutMs', 0);
    const stats = this.#stats;
    const before = { completed: stats.completed, failed: stats.failed };
    if (stats.pending > 0) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.#idleWaiters.delete(done);
          clearTimeout(timer);
          resolve();
        };
        // Referenced on purpose: the caller is waiting for this deadline. Cleared as soon as the drain ends.
        const timer = timeoutMs === undefined ? undefined : setTimeout(done, timeoutMs);
        this.#idleWaiters.add(done);
      });
    }
    return {
      completed: stats.completed - before.completed,
      failed: stats.failed - before.failed,
      pending: stats.pending,
    };
  }

  /**
   * On each of `signals`, drains this registry (at most `timeoutMs`), then exits with the
   * conventional code 128 + signal number (SIGTERM 143, SIGINT 130). A second signal a second or
   * more after the first exits at once; one sooner is the same signal delivered twice (GNU
   * `timeout` and terminals signal the process group too) and does not cut the drain short.
   * Calling it again replaces this registry's previous installation. Returns a function that
   * removes the hooks. The listeners do not keep the process alive.
   */
  installShutdownHooks(options?: ShutdownHookOptions): () => void {
    const remove = listenForShutdown((drainOptions) => this.drain(drainOptions), options);
    this.#uninstallShutdownHooks?.();
    const uninstall = (): void => {
      remove();
      if (this.#uninstallShutdownHooks === uninstall) this.#uninstallShutdownHooks = undefined;
    };
    this.#uninstallShutdownHooks = uninstall;
    return uninstall;
  }

  /** Counts one more pending task, or throws BackgroundQueueFullError when the registry is full. */
  #admitPending(name: string): void {
    const bounded = this.#stats.pending - this.#housekeepingPending;
    if (bounded >= this.#maxPending) throw new BackgroundQueueFullError(name, bounded, this.#maxPending);
    this.#stats.pending++;
  }

  #settleTracked(promise: PromiseLike<unknown>, info: BackgroundTaskInfo): void {
    settleWhenDone(promise, {
      completed: () => this.#taskCompleted(),
      failed: (error) => this.#taskFailed(error, info),
    });
  }

  #taskCompleted(scope?: QueuedTask): void {
    this.#stats.completed++;
    scope?.emitDestroy();
    this.#taskSettled();
  }

  /**
   * A failure is reported in the failed task's own async context (`scope`, for a queued task),
   * so a handler's logger sees the caller's store.
   */
  #taskFailed(error: unknown, info: BackgroundTaskInfo, scope?: QueuedTask): void {
    this.#stats.failed++;
    if (scope === undefined) this.report(error, info);
    else scope.runInAsyncScope(reportToHandlers, undefined, this.#errorHandlers, error, info);
    scope?.emitDestroy();
    this.#taskSettled();
  }

  #taskSettled(): void {
    this.#stats.pending--;
    if (this.#stats.pending === 0) for (const wake of [...this.#idleWaiters]) wake();
  }
}

/** Refuses a `tasks` option that is not a BackgroundTasks registry (undefined: the default). */
export function assertBackgroundTasks(value: unknown, name: string): asserts value is BackgroundTasks | undefined {
  if (value !== undefined && !(value instanceof BackgroundTasks)) {
    throw new TypeError(`${name} must be a BackgroundTasks registry, got ${describeValue(value)}`);
  }
}
