// ThreadPool: CPU-bound work on worker threads, with runAllMultithreaded's semantics. The engine
// in task-pool.ts schedules the runs (order, stopOnError, timeouts, retries, progress, lazy
// input); worker-pool.ts owns the threads and the chunked hand-offs to them.
import { assertDuration, assertKnownKeys, assertOptionalSignal, assertOptionsObject } from '../utils/validate.js';
import type { BackgroundTasks } from './background-registry.js';
import { LazyWorkerPool } from './lazy-worker-pool.js';
import { collectAll, collectSettled, collectUnordered, type SettledResult } from './run-all.js';
import { assertIterable } from './task-pool.js';
import { OrderedStream } from './ordered-stream.js';
import type { RunForm } from './run-options.js';
import { prepareRun, type PreparedRun } from './thread-pool-runs.js';
import { checkedTransferList } from './transfer.js';
import { UnorderedStream, type IndexedResult } from './unordered-stream.js';
import {
  BACKGROUND_OPTIONS,
  checkPoolOptions,
  checkRunOptions,
  CLOSE_OPTIONS,
  TASK_OPTIONS,
  type ThreadBackgroundOptions,
  type ThreadCloseOptions,
  type ThreadPoolOptions,
  type ThreadRunOptions,
  type ThreadSettledOptions,
  type ThreadStreamOptions,
  type ThreadTask,
  type ThreadTaskOptions,
  type ThreadTaskParam,
  type ThreadTaskResult,
} from './thread-pool-options.js';
import { keepAliveWhile } from './worker-shutdown.js';

/**
 * A pool of worker threads for CPU-bound work (decoding and re-encoding records, compressing,
 * hashing, computing over a series): the event loop stays free for I/O while every core works.
 * The task module exports the task function (default export, or `exportName`), called as
 * `fn(param, index, task)` like a `runAllMultithreaded` task; params and results are copied
 * between threads by structured clone (plain data: objects, arrays, Map, Set, Date, typed arrays).
 *
 * - `runAll(params, options)`, `runAllSettled`, `streamAll`: `runAllMultithreaded`'s semantics
 *   and options (input order, `stopOnError`, `signal`, `timeoutMs`, `retries`, `onProgress`,
 *   lazy input), plus `ordered: false` (results as they finish, with their index).
 * - **Chunked hand-offs.** Several params travel to a thread in one message, and their results
 *   come back in one, like Python's `Pool.map(chunksize=)` but sized from the task time the
 *   threads measure (`chunkSize` fixes it). Each thread gets its next chunk while it runs the
 *   current one, so it never waits on the main thread.
 * - **Cancellation without losing a thread.** Aborting (the signal, a timeout, an abandoned run)
 *   rejects at once; a task that has not started is skipped where it waits (a flag in shared
 *   memory); a running task's `task.signal` fires in the worker — its `aborted` and
 *   `throwIfAborted()` see it even inside a loop that never yields. Only a task still running
 *   `cancelGraceMs` after its cancellation gets its thread terminated (and replaced).
 * - `run(param, { signal })`: one task, for a CPU step inside a larger pipeline; the calls made
 *   together are handed off together.
 * - `startNewThread(param)`: fire-and-forget in a worker, tracked like `startNewThread` tasks.
 * - Errors thrown by a task arrive with their name, message, stack (the worker's frames), own
 *   properties and cause. A thread that dies under a task (`process.exit`, an uncaught exception)
 *   fails that task alone with a `ThreadCrashError`; what the thread had finished is kept, what it
 *   had not started runs on another thread.
 * - `close({ timeoutMs })`: waits for submitted tasks (at most `timeoutMs`), closes each worker's
 *   popoto-ts/redis connection, ends the threads. Idle threads never keep the process alive.
 *
 * @example
 * // checksum.ts
 * export default function checksum(text: string): number { ... }
 * // main.ts
 * const pool = new ThreadPool<typeof import('./checksum.js').default>(new URL('./checksum.js', import.meta.url));
 * const sums = await pool.runAll(texts); // number[], in input order, on every core
 * await pool.close();
 *
 * @typeParam Task the task function's type (`typeof import('./task.js').default`): it types the
 *   params and results of every run.
 */
export class ThreadPool<Task extends ThreadTask = (param: unknown) => unknown> {
  readonly #pool: LazyWorkerPool;
  readonly #name: string;
  readonly #maxThreads: number;
  readonly #tasks: BackgroundTasks;
  #closing: Promise<void> | undefined;

  /**
   * @param taskModuleUrl the module that exports the task function: a `file:` URL (`new
   *   URL('./task.js', import.meta.url)`), an absolute path, or a `data:` URL. A TypeScript
   *   module needs tsx installed beside it (or a Node that runs TypeScript itself).
   * @typeParam Task the task function's type: it types the params and results of every run.
   */
  constructor(taskModuleUrl: string | URL, options?: ThreadPoolOptions) {
    const settings = checkPoolOptions(taskModuleUrl, options);
    this.#name = settings.name;
    this.#maxThreads = settings.maxThreads;
    this.#tasks = settings.tasks;
    this.#pool = new LazyWorkerPool(settings);
  }

  /** The most threads this pool runs. */
  get maxThreads(): number {
    return this.#maxThreads;
  }

  /**
   * Tasks per hand-off to a thread now (for runs without their own `chunkSize`): the pool's
   * `chunkSize` when fixed, else what the task time measured so far gives (1 until then).
   */
  get chunkSize(): number {
    return this.#pool.chunkSize();
  }

  /**
   * Runs the task function over every param on the worker threads and resolves with the
   * results in input order (`runAllMultithreaded`'s options and semantics); with
   * `ordered: false`, in the order they finished, each as `{ index, value }`.
   */
  runAll(
    params: Iterable<ThreadTaskParam<Task>> | AsyncIterable<ThreadTaskParam<Task>>,
    options?: ThreadRunOptions<ThreadTaskParam<Task>> & { ordered?: true },
  ): Promise<ThreadTaskResult<Task>[]>;
  runAll(
    params: Iterable<ThreadTaskParam<Task>> | AsyncIterable<ThreadTaskParam<Task>>,
    options: ThreadRunOptions<ThreadTaskParam<Task>> & { ordered: false },
  ): Promise<IndexedResult<ThreadTaskResult<Task>>[]>;
  runAll(
    params: Iterable<ThreadTaskParam<Task>> | AsyncIterable<ThreadTaskParam<Task>>,
    options?: ThreadRunOptions<ThreadTaskParam<Task>>,
  ): Promise<ThreadTaskResult<Task>[] | IndexedResult<ThreadTaskResult<Task>>[]>;
  runAll(
    params: Iterable<ThreadTaskParam<Task>> | AsyncIterable<ThreadTaskParam<Task>>,
    options?: ThreadRunOptions<ThreadTaskParam<Task>>,
  ): Promise<ThreadTaskResult<Task>[] | IndexedResult<ThreadTaskResult<Task>>[]> {
    try {
      const { submit, normalized, ordered } = this.#prepare(params, options, 'run');
      return ordered
        ? collectAll<ThreadTaskParam<Task>, ThreadTaskResult<Task>>(submit, params, normalized)
        : collectUnordered<ThreadTaskParam<Task>, ThreadTaskResult<Task>>(submit, params, normalized);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Like `runAll`, but with every outcome by index (`runAllSettled`'s semantics). */
  runAllSettled(
    params: Iterable<ThreadTaskParam<Task>> | AsyncIterable<ThreadTaskParam<Task>>,
    options?: ThreadSettledOptions<ThreadTaskParam<Task>>,
  ): Promise<SettledResult<ThreadTaskResult<Task>>[]> {
    try {
      if (options !== null && typeof options === 'object' && 'stopOnError' in options) {
        throw new TypeError('options has no option "stopOnError" in runAllSettled: every task runs to its outcome');
      }
      const { submit, normalized } = this.#prepare(params, options, 'settled');
      return collectSettled<ThreadTaskParam<Task>, ThreadTaskResult<Task>>(submit, params, {
        ...normalized,
        stopOnError: false,
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Like `runAll`, but yields the results as they come, in input order, holding at most
   * `highWaterMark` ahead of the reader (`streamAllMultithreaded`'s semantics); with
   * `ordered: false`, as they finish, each as `{ index, value }`.
   */
  streamAll(
    params: Iterable<ThreadTaskParam<Task>> | AsyncIterable<ThreadTaskParam<Task>>,
    options?: ThreadStreamOptions<ThreadTaskParam<Task>> & { ordered?: true },
  ): AsyncIterableIterator<ThreadTaskResult<Task>>;
  streamAll(
    params: Iterable<ThreadTaskParam<Task>> | AsyncIterable<ThreadTaskParam<Task>>,
    options: ThreadStreamOptions<ThreadTaskParam<Task>> & { ordered: false },
  ): AsyncIterableIterator<IndexedResult<ThreadTaskResult<Task>>>;
  streamAll(
    params: Iterable<ThreadTaskParam<Task>> | AsyncIterable<ThreadTaskParam<Task>>,
    options?: ThreadStreamOptions<ThreadTaskParam<Task>>,
  ): AsyncIterableIterator<ThreadTaskResult<Task> | IndexedResult<ThreadTaskResult<Task>>>;
  streamAll(
    params: Iterable<ThreadTaskParam<Task>> | AsyncIterable<ThreadTaskParam<Task>>,
    options?: ThreadStreamOptions<ThreadTaskParam<Task>>,
  ): AsyncIterableIterator<ThreadTaskResult<Task> | IndexedResult<ThreadTaskResult<Task>>> {
    const { submit, normalized, ordered } = this.#prepare(params, options, 'stream');
    return ordered
      ? new OrderedStream<ThreadTaskParam<Task>, ThreadTaskResult<Task>>(submit, params, normalized)
      : new UnorderedStream<ThreadTaskParam<Task>, ThreadTaskResult<Task>>(submit, params, normalized);
  }

  /**
   * Runs the task on one param in a worker thread and resolves with its result: the CPU step of
   * a larger job, e.g. inside `runAllMultithreaded((key, i, task) => ...)` with `task.signal`.
   * Calls made in the same turn of the event loop are handed off together. A param the
   * structured clone refuses rejects with a TypeError naming the part.
   */
  run(param: ThreadTaskParam<Task>, options?: ThreadTaskOptions): Promise<ThreadTaskResult<Task>> {
    try {
      assertOptionsObject(options, 'options');
      assertKnownKeys(options, TASK_OPTIONS, 'options');
      assertOptionalSignal(options?.signal, 'options.signal');
      const transfer = checkedTransferList(options?.transfer);
      this.#assertOpen();
      return this.#pool.submit({
        param,
        index: 0,
        attempt: 1,
        label: 'the task',
        transfer,
        group: undefined,
        signal: options?.signal,
        chunkSize: undefined,
        eager: false,
      }) as Promise<ThreadTaskResult<Task>>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Runs the task on `param` in a worker thread, fire-and-forget: returns at once, tracked like
   * a `startNewThread` task by the pool's `tasks` registry (its drain, its shutdown hooks, its
   * error handlers, where a param the structured clone refuses is reported too). Throws at once for bad options,
   * a full background queue or a closed pool.
   */
  startNewThread(param: ThreadTaskParam<Task>, options?: ThreadBackgroundOptions): void {
    assertOptionsObject(options, 'options');
    assertKnownKeys(options, BACKGROUND_OPTIONS, 'options');
    const transfer = checkedTransferList(options?.transfer);
    this.#assertOpen();
    this.#tasks.trackWork(
      () =>
        this.#pool.submit({
          param,
          index: 0,
          attempt: 1,
          label: 'the background task',
          transfer,
          group: undefined,
          signal: undefined,
          chunkSize: undefined,
          eager: false,
        }),
      { name: this.#name, args: [param] },
    );
  }

  /**
   * Stops taking tasks, waits for those submitted (runs in progress fail their later tasks with
   * "ThreadPool is closed"), closes each worker's popoto-ts/redis connection, and ends the
   * threads. With `timeoutMs`, tasks still pending after it fail and their threads are
   * terminated. Idempotent: every call returns the first call's promise.
   */
  close(options?: ThreadCloseOptions): Promise<void> {
    if (this.#closing === undefined) {
      try {
        assertOptionsObject(options, 'options');
        assertKnownKeys(options, CLOSE_OPTIONS, 'options');
        if (options?.timeoutMs !== undefined) assertDuration(options.timeoutMs, 'options.timeoutMs', 0);
      } catch (error) {
        return Promise.reject(error);
      }
      this.#closing = this.#close(options?.timeoutMs);
    }
    return this.#closing;
  }

  /** `await using pool = new ThreadPool(...)`: `close()` when the scope ends. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #close(timeoutMs: number | undefined): Promise<void> {
    return keepAliveWhile(this.#pool.close(timeoutMs));
  }

  #prepare(
    params: unknown,
    options: (ThreadStreamOptions<ThreadTaskParam<Task>> & ThreadRunOptions<ThreadTaskParam<Task>>) | undefined,
    form: RunForm,
  ): PreparedRun<ThreadTaskParam<Task>, ThreadTaskResult<Task>> {
    assertIterable(params);
    const checked = checkRunOptions(options, form);
    this.#assertOpen();
    return prepareRun<ThreadTaskParam<Task>, ThreadTaskResult<Task>>(this.#pool, checked);
  }

  #assertOpen(): void {
    this.#pool.assertOpen();
  }
}
