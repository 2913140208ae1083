import { AsyncResource } from 'node:async_hooks';
import { constants as osConstants } from 'node:os';
import { exitCodeOf, signalGate } from './signals.js';
import { describeValue, stackOf, type PopotoErrorCode } from '../utils/errors.js';
import { DEFAULT_CONCURRENCY } from './concurrency.js';
import { isThenable } from './task-policy.js';
import {
  assertDuration,
  assertFunction,
  assertInteger,
  assertKnownKeys,
  optionNames,
  assertOptionsObject,
} from '../utils/validate.js';

// The registry of fire-and-forget work. Python Popoto runs such work on daemon threads and
// loses it when the program exits; here every task is counted while it runs, so a program
// can drain it before exiting, and every failure reaches a handler instead of vanishing.

/** What a background-error handler is told about the task that failed. */
export interface BackgroundTaskInfo {
  /** The task's name: the `name` option, else the function's name. */
  name: string;
  /** The arguments the task was called with. */
  args: unknown[];
}

/** Counters of background work since the process started. */
export interface BackgroundTaskStats {
  /** Tasks scheduled or running. */
  pending: number;
  /** Tasks that finished without error. */
  completed: number;
  /** Tasks that threw or rejected. */
  failed: number;
}

/** Receives the error of a failed background task. */
export type BackgroundErrorHandler = (error: unknown, task: BackgroundTaskInfo) => void;

/**
 * A scheduled call, kept as its parts (no closure, no info object until a failure needs one),
 * with the async context of its caller: every task scheduled in one turn starts from one
 * setImmediate, which runs in the context of the first caller; the task, being an AsyncResource
 * made at the call, puts the work (and the report of its failure) back in its own caller's
 * context, so `AsyncLocalStorage` stores (request ids, loggers, tracing spans) survive. This is
 * how piscina binds each of its tasks.
 *
 * One object per task rather than a record holding a separate AsyncResource: a burst of 100k
 * `startNewThread` calls keeps 100k of these alive until they start, and every young-generation
 * GC meanwhile copies them, so each object less per task is GC time less (measured by the bench's
 * drain row: GC was a third of the drain's CPU profile).
 */
/** The async resource type of a background task, as async_hooks report it. */
const BACKGROUND_RESOURCE = 'popoto-ts.BackgroundTask';

class QueuedTask extends AsyncResource {
  constructor(
    readonly fn: (...args: unknown[]) => unknown,
    readonly thisArg: unknown,
    readonly args: unknown[],
    readonly name: string,
    /** popoto-ts's own housekeeping (see `scheduleHousekeeping`): outside the `maxPending` bound. */
    readonly housekeeping: boolean,
  ) {
    super(BACKGROUND_RESOURCE, { requireManualDestroy: true });
  }
}

/**
 * The background queue is full: `maxPending` tasks are already pending. Thrown synchronously
 * by the call that would have scheduled one more, so nothing is ever dropped silently.
 */
export class BackgroundQueueFullError extends RangeError {
  override readonly name = 'BackgroundQueueFullError';
  /** Stable code (the README's error table). A RangeError: the call asked for more than the bound allows. */
  readonly code: PopotoErrorCode = 'ERR_POPOTO_BACKGROUND_QUEUE_FULL';
  /** Tasks pending when the call was refused. */
  readonly pending: number;
  /** The limit in force (see `configureBackgroundTasks`). */
  readonly maxPending: number;

  constructor(taskName: string, pending: number, maxPending: number) {
    super(
      `background queue is full: ${pending} tasks pending (maxPending ${maxPending}), so ${taskName} was not scheduled; ` +
        'await drainBackgroundTasks() before scheduling more, or raise the limit with configureBackgroundTasks({ maxPending })',
    );
    this.pending = pending;
    this.maxPending = maxPending;
  }
}

/**
 * Default bound on pending background tasks (queued, running, or tracked worker-thread tasks):
 * 262,144 (2^18).
 *
 * Sized by measurement: a pending `startNewThread` call with two short string arguments costs
 * about 210 bytes of heap (its queue entry, argument array and async-context binding; 130 bytes
 * before the binding), measured by scheduling 1M calls in one turn and comparing heapUsed after
 * a full GC (Node 20, x64). A full queue is therefore about 55 MB, well inside a default Node
 * heap, and drains in seconds at the background SET rates the bench reports (bench/report): far
 * inside the shutdown hooks' default 10 s. A burst beyond it is a runaway
 * producer rather than a backlog; it gets a `BackgroundQueueFullError` (a RangeError) at the
 * call, never a silent drop.
 */
export const DEFAULT_MAX_PENDING_BACKGROUND_TASKS = 2 ** 18;

/** Settings of the background registry. */
export interface BackgroundTaskConfig {
  /** Most background tasks pending at once (queued, running or tracked); an integer >= 1 or Infinity. */
  maxPending: number;
}

let maxPending = DEFAULT_MAX_PENDING_BACKGROUND_TASKS;

/**
 * Changes the background registry's settings and returns them as now in force (call it with no
 * argument to read them). `maxPending` bounds the pending tasks: default
 * `DEFAULT_MAX_PENDING_BACKGROUND_TASKS`; lowering it below the number already pending refuses
 * new tasks until enough have finished, and drops nothing. It bounds the application's own tasks:
 * popoto-ts's housekeeping (removing the index entries of expired records a read came across) is
 * drained and reported like any task, but takes no place in the bound and is never refused.
 */
export function configureBackgroundTasks(options?: Partial<BackgroundTaskConfig>): BackgroundTaskConfig {
  assertOptionsObject(options, 'options');
  assertKnownKeys(options, optionNames<BackgroundTaskConfig>({ maxPending: true }), 'options');
  if (options?.maxPending !== undefined) {
    assertInteger(options.maxPending, 'maxPending', 1, { infinity: true });
    maxPending = options.maxPending;
  }
  return { maxPending };
}

/** Counts one more pending task, or throws BackgroundQueueFullError when the registry is full. */
function admitPending(name: string): void {
  const bounded = stats.pending - housekeepingPending;
  if (bounded >= maxPending) throw new BackgroundQueueFullError(name, bounded, maxPending);
  stats.pending++;
}

/** Pending housekeeping tasks: counted in `stats.pending`, not against `maxPending`. */
let housekeepingPending = 0;

const stats: BackgroundTaskStats = { pending: 0, completed: 0, failed: 0 };
const errorHandlers = new Set<BackgroundErrorHandler>();
const idleWaiters = new Set<() => void>();

/**
 * Most background tasks running at once; the rest wait their turn (and count as pending).
 * Python starts a thread per call; here 100k calls would put 100k Redis commands in flight at
 * once, which is slower than a bounded number (see DEFAULT_CONCURRENCY) and can exhaust memory.
 */
const MAX_RUNNING = DEFAULT_CONCURRENCY;

/** Tasks scheduled during the current turn of the event loop: they may start from the next one. */
let incoming: QueuedTask[] = [];
/** Tasks that may start, oldest first, from `readyHead` on. */
let ready: (QueuedTask | undefined)[] = [];
let readyHead = 0;
let running = 0;

/**
 * Schedules `fn.apply(thisArg, args)` as a tracked background task in the caller's async
 * context. It starts on a later turn of the event loop, never inside the caller; all tasks
 * scheduled in one turn share a single `setImmediate`, so scheduling 100k of them costs one
 * timer, not 100k. Throws BackgroundQueueFullError when `maxPending` tasks are pending.
 */
export function scheduleBackgroundTask(
  fn: (...args: unknown[]) => unknown,
  thisArg: unknown,
  args: unknown[],
  name: string,
): void {
  admitPending(name);
  enqueue(new QueuedTask(fn, thisArg, args, name, false));
}

/**
 * Schedules popoto-ts's own housekeeping (removing the index entries of expired records that a
 * read came across) as a background task that is never refused: a read must not fail, nor make
 * the application's next `startNewThread` fail, because of cleanup it scheduled. It runs like any
 * task (caller's context, the shared MAX_RUNNING), `drainBackgroundTasks()` and the shutdown
 * hooks wait for it and its failures reach `onBackgroundError`, but it takes no place in
 * `maxPending`, which bounds the application's tasks. Callers keep it bounded themselves (a
 * query schedules a record key's cleanup once, however many reads meet it meanwhile).
 */
export function scheduleHousekeeping(
  fn: (...args: never[]) => unknown,
  thisArg: unknown,
  args: unknown[],
  name: string,
): void {
  stats.pending++;
  housekeepingPending++;
  enqueue(new QueuedTask(fn as (...args: unknown[]) => unknown, thisArg, args, name, true));
}

function enqueue(task: QueuedTask): void {
  if (incoming.push(task) === 1) setImmediate(admitIncoming);
}

/**
 * Starts work through `start` (a worker-thread task, say) and tracks it like a scheduled task:
 * counted as pending and bounded by `maxPending` (throws BackgroundQueueFullError, and `start`
 * is not called). It starts in the caller's own turn and context, and promise reactions keep
 * that context, so the failure report runs there without a binding of its own.
 */
export function trackBackgroundWork(start: () => PromiseLike<unknown>, info: BackgroundTaskInfo): void {
  admitPending(info.name);
  let promise: PromiseLike<unknown>;
  try {
    promise = start();
  } catch (error) {
    taskFailed(error, info);
    return;
  }
  settleWhenDone(promise, info, taskCompleted, taskFailed);
}

/**
 * Tracks work that is already running (a subscriber's callback, say): counted as pending, but
 * never refused, since refusing would not stop it. Reported in the caller's context, as above.
 */
export function trackBackgroundPromise(promise: PromiseLike<unknown>, info: BackgroundTaskInfo): void {
  stats.pending++;
  settleWhenDone(promise, info, taskCompleted, taskFailed);
}

/** Reports `result`'s outcome once it settles; a `then` that throws is a failure. */
function settleWhenDone<T>(
  result: PromiseLike<unknown>,
  info: T,
  completed: () => void,
  failed: (error: unknown, info: T) => void,
): void {
  try {
    result.then(
      () => completed(),
      (error: unknown) => failed(error, info),
    );
  } catch (error) {
    failed(error, info);
  }
}

function admitIncoming(): void {
  const batch = incoming;
  incoming = [];
  if (readyHead === ready.length) {
    ready = batch;
    readyHead = 0;
  } else {
    for (const task of batch) ready.push(task);
  }
  startReady();
}

/** Starts ready tasks while fewer than MAX_RUNNING run; called again whenever one finishes. */
function startReady(): void {
  while (running < MAX_RUNNING && readyHead < ready.length) {
    const task = ready[readyHead]!;
    ready[readyHead++] = undefined;
    start(task);
  }
  if (readyHead === ready.length) {
    ready = [];
    readyHead = 0;
  } else if (readyHead > 4096 && readyHead * 2 > ready.length) {
    ready = ready.slice(readyHead);
    readyHead = 0;
  }
}

function start(task: QueuedTask): void {
  let result: unknown;
  try {
    result = task.runInAsyncScope(task.fn, task.thisArg, ...task.args);
  } catch (error) {
    queuedTaskSettled(task, false, error);
    return;
  }
  if (!isThenable(result)) {
    queuedTaskSettled(task, true);
    return;
  }
  running++;
  settleWhenDone(
    result,
    task,
    () => {
      running--;
      queuedTaskSettled(task, true);
      startReady();
    },
    (error) => {
      running--;
      queuedTaskSettled(task, false, error);
      startReady();
    },
  );
}

function queuedTaskSettled(task: QueuedTask, ok: boolean, error?: unknown): void {
  if (task.housekeeping) housekeepingPending--;
  if (ok) taskCompleted(task);
  else taskFailed(error, infoOf(task), task);
}

function infoOf(task: QueuedTask): BackgroundTaskInfo {
  return { name: task.name, args: task.args };
}

function taskCompleted(scope?: AsyncResource): void {
  stats.completed++;
  scope?.emitDestroy();
  taskSettled();
}

/**
 * A failure is reported in the failed task's own async context (`scope`, for a queued task),
 * so a handler's logger sees the caller's store.
 */
function taskFailed(error: unknown, info: BackgroundTaskInfo, scope?: AsyncResource): void {
  stats.failed++;
  if (scope === undefined) reportBackgroundError(error, info);
  else scope.runInAsyncScope(reportBackgroundError, undefined, error, info);
  scope?.emitDestroy();
  taskSettled();
}

function taskSettled(): void {
  stats.pending--;
  if (stats.pending === 0) for (const wake of [...idleWaiters]) wake();
}

/** Sends `error` to the onBackgroundError handlers, or to stderr when there are none. */
export function reportBackgroundError(error: unknown, info: BackgroundTaskInfo): void {
  if (errorHandlers.size === 0) {
    printBackgroundError(error, info);
    return;
  }
  for (const handler of [...errorHandlers]) {
    try {
      handler(error, info);
    } catch (handlerError) {
      // A broken handler must not turn into an unhandled exception; both errors are shown.
      printBackgroundError(error, info);
      printBackgroundError(handlerError, { name: `onBackgroundError handler for ${info.name}`, args: [] });
    }
  }
}

function printBackgroundError(error: unknown, info: BackgroundTaskInfo): void {
  process.stderr.write(`Exception in background task ${info.name}: ${stackOf(error)}\n`);
}

/** Current counters of background work (started with `startNewThread` or `ThreadPool.startNewThread`). */
export function backgroundTaskStats(): BackgroundTaskStats {
  return { ...stats };
}

/**
 * Registers a handler for failed background tasks and returns a function that removes it.
 * While at least one handler is registered, failures go to the handlers only; with none they
 * are printed to stderr as `Exception in background task <name>: <stack>`, as Python does.
 * Never an unhandled rejection, never a crash.
 */
export function onBackgroundError(handler: BackgroundErrorHandler): () => void {
  assertFunction(handler, 'handler');
  errorHandlers.add(handler);
  return () => {
    errorHandlers.delete(handler);
  };
}

/** Options of `drainBackgroundTasks`. */
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

/**
 * Waits until no background task is pending, including tasks started while draining, or
 * until `timeoutMs` has passed. Never rejects: failures go to the error handlers as usual.
 * Don't await it from inside a background task: that task is itself pending.
 */
export async function drainBackgroundTasks(options?: DrainOptions): Promise<DrainResult> {
  assertOptionsObject(options, 'options');
  assertKnownKeys(options, optionNames<DrainOptions>({ timeoutMs: true }), 'options');
  const timeoutMs = options?.timeoutMs;
  if (timeoutMs !== undefined) assertDuration(timeoutMs, 'timeoutMs', 0);
  const before = { completed: stats.completed, failed: stats.failed };
  if (stats.pending > 0) {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        idleWaiters.delete(done);
        clearTimeout(timer);
        resolve();
      };
      // Referenced on purpose: the caller is waiting for this deadline. Cleared as soon as the drain ends.
      const timer = timeoutMs === undefined ? undefined : setTimeout(done, timeoutMs);
      idleWaiters.add(done);
    });
  }
  return {
    completed: stats.completed - before.completed,
    failed: stats.failed - before.failed,
    pending: stats.pending,
  };
}

/** Options of `installShutdownHooks`. */
export interface ShutdownHookOptions {
  /** Signals that trigger a drain before exit. Default `['SIGTERM', 'SIGINT']`. */
  signals?: NodeJS.Signals[];
  /** Longest wait for background work before exiting anyway. Default 10000 ms. */
  timeoutMs?: number;
}

let uninstallCurrentHooks: (() => void) | undefined;

/**
 * On each of `signals`, drains background tasks (at most `timeoutMs`), then exits with the
 * conventional code 128 + signal number (SIGTERM 143, SIGINT 130). A second signal a second or
 * more after the first exits at once; one sooner is the same signal delivered twice (GNU
 * `timeout` and terminals signal the process group too) and does not cut the drain short.
 * Calling it again replaces the previous installation. Returns a
 * function that removes the hooks. The listeners do not keep the process alive.
 */
export function installShutdownHooks(options?: ShutdownHookOptions): () => void {
  assertOptionsObject(options, 'options');
  assertKnownKeys(options, optionNames<ShutdownHookOptions>({ signals: true, timeoutMs: true }), 'options');
  const signals = options?.signals === undefined ? (['SIGTERM', 'SIGINT'] as NodeJS.Signals[]) : options.signals;
  const timeoutMs = options?.timeoutMs === undefined ? 10_000 : options.timeoutMs;
  assertDuration(timeoutMs, 'timeoutMs', 0);
  if (!Array.isArray(signals) || signals.length === 0) {
    throw new TypeError(`signals must be a non-empty array of signal names, got ${describeValue(signals)}`);
  }
  // Array.from: a hole in a sparse array is checked (as undefined) rather than skipped.
  Array.from(signals).forEach((signal: unknown, i) => {
    if (typeof signal !== 'string') throw new TypeError(`signals[${i}] must be a string, got ${describeValue(signal)}`);
    if (!(signal in osConstants.signals) || signal === 'SIGKILL' || signal === 'SIGSTOP') {
      throw new RangeError(`signals must name catchable signals, got ${JSON.stringify(signal)}`);
    }
  });
  uninstallCurrentHooks?.();

  const gate = signalGate();
  const listeners = signals.map((signal) => {
    const exitCode = exitCodeOf(signal);
    const listener = (): void => {
      const meaning = gate();
      if (meaning === 'duplicate') return;
      if (meaning === 'again') process.exit(exitCode);
      void drainBackgroundTasks({ timeoutMs }).then(({ pending }) => {
        if (pending > 0) {
          process.stderr.write(
            `popoto-ts: exiting on ${signal} with ${pending} background task(s) still pending after ${timeoutMs} ms\n`,
          );
        }
        process.exit(exitCode);
      });
    };
    process.on(signal, listener);
    return { signal, listener };
  });

  const uninstall = (): void => {
    for (const { signal, listener } of listeners) process.removeListener(signal, listener);
    if (uninstallCurrentHooks === uninstall) uninstallCurrentHooks = undefined;
  };
  uninstallCurrentHooks = uninstall;
  return uninstall;
}
