/**
 * The concurrency engine behind popoto-ts/utils/multithreading: the TypeScript counterpart of Python Popoto's
 * `popoto.utils.multithreading`.
 *
 * Node has one event loop: Redis I/O runs concurrently as async work on that loop, which is
 * what these helpers schedule. CPU-bound work belongs on worker threads (`ThreadPool`).
 */
import { TaskError } from '../utils/errors.js';
import { abandonedReason, type TaskContext } from './task-context.js';
import { OrderedStream } from './ordered-stream.js';
import { normalizeRunOptions, type RunAllOptions, type StreamAllOptions } from './run-options.js';
import { scheduleBackgroundTask } from './background.js';
import { assertIterable, TaskPool } from './task-pool.js';
import { assertFunction, assertKnownKeys, assertOptionalString, assertOptionsObject } from '../utils/validate.js';

export { DEFAULT_CONCURRENCY } from './concurrency.js';
export type { TaskContext } from './task-context.js';
export { TaskError, TimeoutError } from '../utils/errors.js';
export type { Progress, RetryOptions, RunAllOptions, StreamAllOptions } from './run-options.js';
export {
  BackgroundQueueFullError,
  backgroundTaskStats,
  configureBackgroundTasks,
  DEFAULT_MAX_PENDING_BACKGROUND_TASKS,
  drainBackgroundTasks,
  installShutdownHooks,
  onBackgroundError,
  type BackgroundErrorHandler,
  type BackgroundTaskConfig,
  type BackgroundTaskInfo,
  type BackgroundTaskStats,
  type DrainOptions,
  type DrainResult,
  type ShutdownHookOptions,
} from './background.js';

/** Options of `startNewThread`. */
export interface StartNewThreadOptions {
  /** Name used in error reports. Default: the function's name. */
  name?: string;
}

/**
 * Runs `fn` over every param with bounded concurrency and resolves with the results in input
 * order (Python's `run_all_multithreaded`, as a promise).
 *
 * `fn(param, index, task)`: `task` is the attempt's `TaskContext` (`signal`, `index`,
 * `attempt`); its signal fires on the run's abort, on the attempt's timeout and when the run is
 * abandoned after a failure, so pass it on to what the task waits for. Functions that take
 * only `(param)` or `(param, index)` work unchanged.
 *
 * - `params`: any Iterable or AsyncIterable, pulled lazily as slots free up; empty input gives `[]`.
 * - `concurrency`: default `DEFAULT_CONCURRENCY` (1024), chosen by measuring Redis I/O rather
 *   than counting CPUs; never more tasks run than there are params.
 * - `stopOnError` (default true) rejects with the first error as thrown and starts nothing new;
 *   false runs everything and rejects with an `AggregateError` of `TaskError`s (each with `index`
 *   and `cause`), sorted by index.
 * - `signal`, `timeoutMs` (per attempt, `TimeoutError`), `retries`, `onProgress`: see `RunAllOptions`.
 *
 * Tasks already running when the run rejects are not awaited; their signals fire and their
 * outcomes are ignored. `runAllSettled` gives every outcome instead of rejecting.
 *
 * @example
 * const users = await runAllMultithreaded((id) => User.query.get({ id }), [1, 2, 3, 4, 5]);
 */
export async function runAllMultithreaded<P, R>(
  fn: (param: P, index: number, task: TaskContext) => R,
  params: Iterable<P> | AsyncIterable<P>,
  options?: RunAllOptions,
): Promise<Awaited<R>[]> {
  assertFunction(fn, 'fn');
  assertIterable(params);
  const normalized = normalizeRunOptions(options);
  return new Promise<Awaited<R>[]>((resolve, reject) => {
    const results: Awaited<R>[] = [];
    const errors: TaskError[] = [];
    const pool: TaskPool<P, R> = new TaskPool(fn, params, normalized, {
      settled(index, ok, value) {
        if (ok) {
          results[index] = value as Awaited<R>;
        } else if (normalized.stopOnError) {
          pool.abandon(abandonedReason(`task ${index} failed`, value));
          reject(value);
        } else {
          errors.push(new TaskError(index, value));
        }
      },
      ended(total) {
        if (errors.length === 0) {
          results.length = total;
          resolve(results);
          return;
        }
        errors.sort((a, b) => a.index - b.index);
        reject(new AggregateError(errors, `${errors.length} of ${total} tasks failed`));
      },
      fatal: reject,
    });
    pool.begin();
  });
}

/** One task's outcome in `runAllSettled`: `Promise.allSettled`'s shape, plus the input index. */
export type SettledResult<R> =
  { status: 'fulfilled'; index: number; value: R } | { status: 'rejected'; index: number; reason: unknown };

/** Options of `runAllSettled`: those of `runAllMultithreaded` but `stopOnError` (every task runs). */
export type RunAllSettledOptions = Omit<RunAllOptions, 'stopOnError'>;

/**
 * Like `runAllMultithreaded`, but loses no result: every task runs, and the promise resolves
 * with one `SettledResult` per param, in input order — `{ status: 'fulfilled', index, value }`
 * or `{ status: 'rejected', index, reason }` (the error as thrown, after retries). A failing
 * task never rejects the run; only what stops the run as a whole does: the caller's `signal`
 * (rejects with its reason), an input iterable that throws, an `onProgress` that throws.
 *
 * @example
 * const outcomes = await runAllSettled((key: string) => redis.get(key), keys, { retries: 2 });
 * const failed = outcomes.filter((o) => o.status === 'rejected').map((o) => keys[o.index]);
 */
export async function runAllSettled<P, R>(
  fn: (param: P, index: number, task: TaskContext) => R,
  params: Iterable<P> | AsyncIterable<P>,
  options?: RunAllSettledOptions,
): Promise<SettledResult<Awaited<R>>[]> {
  assertFunction(fn, 'fn');
  assertIterable(params);
  if (options !== null && typeof options === 'object' && 'stopOnError' in options) {
    throw new TypeError('options has no option "stopOnError" in runAllSettled: every task runs to its outcome');
  }
  const normalized = { ...normalizeRunOptions(options), stopOnError: false };
  return new Promise<SettledResult<Awaited<R>>[]>((resolve, reject) => {
    const outcomes: SettledResult<Awaited<R>>[] = [];
    const pool = new TaskPool(fn, params, normalized, {
      settled(index, ok, value) {
        outcomes[index] = ok
          ? { status: 'fulfilled', index, value: value as Awaited<R> }
          : { status: 'rejected', index, reason: value };
      },
      ended: () => resolve(outcomes),
      fatal: reject,
    });
    pool.begin();
  });
}

/**
 * Like `runAllMultithreaded`, but yields results in input order as they become available,
 * holding at most `highWaterMark` results ahead of the reader (backpressure), so an input of
 * any length runs in constant memory. Nothing runs until iteration starts; `break` closes the
 * input and starts nothing new.
 *
 * Failures: with `stopOnError` (default) the results before the failed item are yielded, then
 * its error is thrown. With `stopOnError: false` failed items are skipped and an
 * `AggregateError` of `TaskError`s is thrown after the last result.
 *
 * @example
 * for await (const value of streamAllMultithreaded((key) => redis.get(key), scanKeys('user:*'))) { ... }
 */
export function streamAllMultithreaded<P, R>(
  fn: (param: P, index: number, task: TaskContext) => R,
  params: Iterable<P> | AsyncIterable<P>,
  options?: StreamAllOptions,
): AsyncIterableIterator<Awaited<R>> {
  assertFunction(fn, 'fn');
  assertIterable(params);
  return new OrderedStream<P, Awaited<R>>(
    fn as (param: P, index: number, task: TaskContext) => Awaited<R>,
    params,
    normalizeRunOptions(options),
  );
}

/** Any method (the shape ClassMethodDecoratorContext itself requires). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyMethod<This> = (this: This, ...args: any) => any;

/**
 * Wraps `fn` so that each call schedules it as a background task and returns `undefined` at
 * once (Python's `@start_new_thread`). `fn` starts on a later event-loop turn, never inside
 * the caller. Unlike a Python daemon thread the task is tracked: `drainBackgroundTasks()` and
 * `installShutdownHooks()` let it finish before exit, and a failure goes to the
 * `onBackgroundError` handlers (default: stderr), never to an unhandled rejection.
 *
 * Also a TypeScript (stage 3) method decorator: `@startNewThread async publish() { ... }`.
 * TypeScript does not let a decorator change a method's declared type, so a decorated method
 * keeps its declared return type but returns `undefined`: don't await it.
 *
 * @example
 * const publishEvent = startNewThread((channel: string, message: string) => redis.publish(channel, message));
 * publishEvent('updates', 'model_saved'); // returns at once, publish happens in the background
 */
export function startNewThread<This, M extends AnyMethod<This>>(
  method: M,
  context: ClassMethodDecoratorContext<This, M>,
): M;
export function startNewThread<A extends unknown[]>(
  fn: (...args: A) => unknown,
  options?: StartNewThreadOptions,
): (...args: A) => void;
export function startNewThread(
  fn: (...args: unknown[]) => unknown,
  optionsOrContext?: StartNewThreadOptions | ClassMethodDecoratorContext,
): (...args: unknown[]) => void {
  assertFunction(fn, 'fn');
  if (isDecoratorContext(optionsOrContext)) {
    if (optionsOrContext.kind !== 'method') {
      throw new TypeError(`startNewThread decorates methods only, got a ${optionsOrContext.kind} decorator`);
    }
    const methodName = String(optionsOrContext.name);
    return function backgroundMethod(this: unknown, ...args: unknown[]): void {
      scheduleBackgroundTask(fn, this, args, ownerName(this, methodName));
    };
  }
  assertOptionsObject(optionsOrContext, 'options');
  assertKnownKeys(optionsOrContext, ['name'], 'options');
  assertOptionalString(optionsOrContext?.name, 'options.name');
  const name = optionsOrContext?.name ?? (fn.name || 'anonymous');
  return function background(this: unknown, ...args: unknown[]): void {
    scheduleBackgroundTask(fn, this, args, name);
  };
}

function isDecoratorContext(value: unknown): value is DecoratorContext {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === 'string' &&
    typeof (value as { addInitializer?: unknown }).addInitializer === 'function'
  );
}

/** `Class.method` for error reports; the class is read at call time so subclasses name themselves. */
function ownerName(self: unknown, methodName: string): string {
  if (typeof self === 'function' && self.name) return `${self.name}.${methodName}`;
  const ctor = (self as { constructor?: { name?: unknown } } | null | undefined)?.constructor;
  return typeof ctor?.name === 'string' && ctor.name !== '' ? `${ctor.name}.${methodName}` : methodName;
}

/** Python-style alias of `startNewThread`, for code ported from Popoto. */
export const start_new_thread = startNewThread;

/** Python-style alias of `runAllMultithreaded`, for code ported from Popoto. */
export const run_all_multithreaded = runAllMultithreaded;
