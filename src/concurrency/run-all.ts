// runAllMultithreaded, runAllSettled and streamAllMultithreaded: the engine's three public forms.
import { TaskError } from '../utils/errors.js';
import { assertFunction } from '../utils/validate.js';
import { OrderedStream } from './ordered-stream.js';
import {
  normalizeRunOptions,
  type NormalizedRunOptions,
  type RunAllOptions,
  type StreamAllOptions,
} from './run-options.js';
import { abandonedReason, type TaskContext } from './task-context.js';
import type { TaskFn } from './task-policy.js';
import { assertIterable, TaskPool } from './task-pool.js';
import type { IndexedResult } from './unordered-stream.js';

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
 * - `signal`, `timeoutMs` (per attempt, `TaskTimeoutError`), `retries`, `onProgress`: see `RunAllOptions`.
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
  return collectAll(fn, params, normalizeRunOptions(options, 'run'));
}

/** runAllMultithreaded once its arguments are checked: also what ThreadPool runs on. */
export function collectAll<P, R>(
  fn: TaskFn<P, R>,
  params: Iterable<P> | AsyncIterable<P>,
  normalized: NormalizedRunOptions,
): Promise<Awaited<R>[]> {
  return collect(fn, params, normalized, { ordered: true }) as Promise<Awaited<R>[]>;
}

/**
 * Like collectAll, but the results in the order they finished, each with its input index
 * (`ordered: false`, Python's `imap_unordered`). Failures as collectAll's.
 */
export function collectUnordered<P, R>(
  fn: TaskFn<P, R>,
  params: Iterable<P> | AsyncIterable<P>,
  normalized: NormalizedRunOptions,
): Promise<IndexedResult<Awaited<R>>[]> {
  return collect(fn, params, normalized, { ordered: false }) as Promise<IndexedResult<Awaited<R>>[]>;
}

function collect<P, R>(
  fn: TaskFn<P, R>,
  params: Iterable<P> | AsyncIterable<P>,
  normalized: NormalizedRunOptions,
  { ordered }: { ordered: boolean },
): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const results: unknown[] = [];
    const errors: TaskError[] = [];
    const pool: TaskPool<P, R> = new TaskPool(fn, params, normalized, {
      fulfilled(index, value) {
        if (ordered) results[index] = value;
        else results.push({ index, value });
      },
      rejected(index, error) {
        if (normalized.stopOnError) {
          pool.abandon(abandonedReason(`task ${index} failed`, error));
          reject(error);
        } else {
          errors.push(new TaskError(index, error));
        }
      },
      ended(total) {
        if (errors.length === 0) {
          if (ordered) results.length = total;
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
  return collectSettled(fn, params, { ...normalizeRunOptions(options, 'settled'), stopOnError: false });
}

/** runAllSettled once its arguments are checked. */
export function collectSettled<P, R>(
  fn: TaskFn<P, R>,
  params: Iterable<P> | AsyncIterable<P>,
  normalized: NormalizedRunOptions,
): Promise<SettledResult<Awaited<R>>[]> {
  return new Promise<SettledResult<Awaited<R>>[]>((resolve, reject) => {
    const outcomes: SettledResult<Awaited<R>>[] = [];
    const pool = new TaskPool(fn, params, normalized, {
      fulfilled(index, value) {
        outcomes[index] = { status: 'fulfilled', index, value: value as Awaited<R> };
      },
      rejected(index, reason) {
        outcomes[index] = { status: 'rejected', index, reason };
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
    normalizeRunOptions(options, 'stream'),
  );
}
