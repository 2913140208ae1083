// ThreadPool: CPU-bound work on worker threads, with runAllMultithreaded's semantics. The engine
// in task-pool.ts schedules the runs (order, stopOnError, timeouts, retries, progress, lazy
// input); worker-pool.ts owns the threads and the chunked hand-offs to them.
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  assertDuration,
  assertInteger,
  assertKnownKeys,
  optionNames,
  assertOptionalBoolean,
  assertOptionalFunction,
  assertOptionalSignal,
  assertOptionalString,
  assertOptionsObject,
} from '../utils/validate.js';
import { defaultBackgroundTasks } from './background.js';
import { assertBackgroundTasks, type BackgroundTasks } from './background-registry.js';
import { collectAll, collectSettled, collectUnordered, type SettledResult } from './run-all.js';
import { assertIterable } from './task-pool.js';
import { OrderedStream } from './ordered-stream.js';
import { normalizeRunOptions, type NormalizedRunOptions, type RunAllOptions, type RunForm } from './run-options.js';
import { runSignalOf, type TaskContext } from './task-context.js';
import { normalizeModuleUrl } from './thread-modules.js';
import { checkedTransferList } from './transfer.js';
import { UnorderedStream, type IndexedResult } from './unordered-stream.js';
import {
  assertChunkSize,
  DEFAULT_CANCEL_GRACE_MS,
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
import { type TaskGroup, WorkerPool } from './worker-pool.js';

const POOL_OPTIONS = optionNames<ThreadPoolOptions>({
  maxThreads: true,
  minThreads: true,
  idleTimeoutMs: true,
  exportName: true,
  env: true,
  resourceLimits: true,
  name: true,
  chunkSize: true,
  cancelGraceMs: true,
  tasks: true,
});

/** What a pool's runs take beyond runAllMultithreaded's options. */
const RUN_KEYS = optionNames<Omit<ThreadRunOptions<unknown>, keyof RunAllOptions>>({
  transfer: true,
  chunkSize: true,
  ordered: true,
});

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
  readonly #pool: WorkerPool;
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
    const moduleUrl = normalizeModuleUrl(taskModuleUrl);
    assertOptionsObject(options, 'options');
    assertKnownKeys(options, POOL_OPTIONS, 'options');
    const {
      maxThreads = availableParallelism(),
      minThreads = 0,
      idleTimeoutMs = 30_000,
      exportName = 'default',
      env,
      resourceLimits,
      name = `ThreadPool(${basename(moduleUrl.startsWith('file:') ? fileURLToPath(moduleUrl) : 'data: module')})`,
      chunkSize,
      cancelGraceMs = DEFAULT_CANCEL_GRACE_MS,
      tasks = defaultBackgroundTasks,
    } = options ?? {};
    assertInteger(maxThreads, 'maxThreads', 1);
    assertInteger(minThreads, 'minThreads', 0);
    if (minThreads > maxThreads) {
      throw new RangeError(`minThreads must be at most maxThreads (${maxThreads}), got ${minThreads}`);
    }
    assertDuration(idleTimeoutMs, 'idleTimeoutMs', 0);
    assertOptionalString(exportName, 'exportName');
    if (exportName === '') throw new TypeError('exportName must be a non-empty string, got ""');
    assertOptionalString(name, 'name');
    assertOptionsObject(env, 'env');
    assertOptionsObject(resourceLimits, 'resourceLimits');
    assertChunkSize(chunkSize, 'chunkSize');
    assertDuration(cancelGraceMs, 'cancelGraceMs', 0);
    assertBackgroundTasks(tasks, 'tasks');

    this.#name = name;
    this.#maxThreads = maxThreads;
    this.#tasks = tasks;
    this.#pool = new WorkerPool({
      name,
      moduleUrl,
      exportName,
      maxThreads,
      minThreads,
      idleTimeoutMs,
      cancelGraceMs,
      chunkSize,
      env,
      resourceLimits,
      tasks,
    });
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
      assertKnownKeys(options, optionNames<ThreadTaskOptions>({ signal: true, transfer: true }), 'options');
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
    assertKnownKeys(options, optionNames<ThreadBackgroundOptions>({ transfer: true }), 'options');
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
        assertKnownKeys(options, optionNames<ThreadCloseOptions>({ timeoutMs: true }), 'options');
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

  async #close(timeoutMs: number | undefined): Promise<void> {
    // Referenced on purpose while closing: the caller awaits it, and idle threads are unref'd.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    try {
      await this.#pool.close(timeoutMs);
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** Checks a run's options; returns the engine's task function, the engine's options, and the order asked for. */
  #prepare(
    params: unknown,
    options: (ThreadStreamOptions<ThreadTaskParam<Task>> & ThreadRunOptions<ThreadTaskParam<Task>>) | undefined,
    form: RunForm,
  ): {
    submit: (param: ThreadTaskParam<Task>, index: number, task: TaskContext) => Promise<ThreadTaskResult<Task>>;
    normalized: NormalizedRunOptions;
    ordered: boolean;
  } {
    assertIterable(params);
    assertOptionsObject(options, 'options');
    const { transfer, chunkSize, ordered = true, ...runOptions } = options ?? {};
    assertOptionalFunction(transfer, 'options.transfer');
    assertChunkSize(chunkSize, 'options.chunkSize');
    if (form !== 'settled') assertOptionalBoolean(ordered, 'options.ordered');
    else if (options !== undefined && 'ordered' in options) {
      throw new TypeError('options has no option "ordered" in runAllSettled: its outcomes are always by index');
    }
    const normalized = normalizeRunOptions(runOptions, form, RUN_KEYS);
    this.#assertOpen();
    const pool = this.#pool;
    // Unless fixed by the caller, a run keeps as many tasks in flight as the chunks need, and
    // follows the chunk size as it is measured.
    if (runOptions.concurrency === undefined) {
      Object.defineProperty(normalized, 'concurrency', { get: () => pool.window(chunkSize) });
    }
    if (runOptions.highWaterMark === undefined) {
      Object.defineProperty(normalized, 'highWaterMark', { get: () => 2 * pool.window(chunkSize) });
    }
    const group: TaskGroup = { cancelled: undefined };
    let listening = false;
    // With a timeout, each attempt can be cancelled alone, and its outcome comes back on its
    // own (a task stuck in its chunk must not hold its neighbours' results); else every task
    // stops with its run.
    const perTask = normalized.timeoutMs !== undefined;
    const submit = (
      param: ThreadTaskParam<Task>,
      index: number,
      task: TaskContext,
    ): Promise<ThreadTaskResult<Task>> => {
      if (!listening) {
        listening = true;
        const runSignal = runSignalOf(task);
        if (runSignal.aborted) pool.cancelGroup(group, runSignal.reason);
        else runSignal.addEventListener('abort', () => pool.cancelGroup(group, runSignal.reason), { once: true });
      }
      return pool.submit({
        param,
        index,
        attempt: task.attempt,
        label: `task ${index}`,
        transfer: transfer?.(param, index),
        group,
        signal: perTask ? task.signal : undefined,
        chunkSize,
        eager: perTask,
      }) as Promise<ThreadTaskResult<Task>>;
    };
    return { submit, normalized, ordered };
  }

  #assertOpen(): void {
    this.#pool.assertOpen();
  }
}
