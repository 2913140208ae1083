// ThreadPool: CPU-bound work on worker threads, with runAllMultithreaded's semantics. The
// threads are piscina's; this file adds the seed module's contract on top: ordered runs with
// the same options (the engine in task-pool.ts schedules, piscina executes), cancellation that
// reaches running tasks, errors that keep their class name, checks on what crosses the thread
// boundary, background tasks tracked like startNewThread's, and a close() that closes what the
// workers opened.
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BroadcastChannel, type Transferable } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { messageOf } from '../utils/errors.js';
import {
  assertDuration,
  assertInteger,
  assertKnownKeys,
  assertOptionalFunction,
  assertOptionalSignal,
  assertOptionalString,
  assertOptionsObject,
} from '../utils/validate.js';
import { reportBackgroundError, trackBackgroundWork } from './background.js';
import { assertSendable } from './cloneable.js';
import { runAllMultithreaded, runAllSettled, streamAllMultithreaded, type SettledResult } from './run-all.js';
import type { RunAllOptions, StreamAllOptions } from './run-options.js';
import { runSignalOf, type TaskContext } from './task-context.js';
import { fromWorker } from './thread-errors.js';
import { WORKER_CONFIG_KEY, type WorkerConfig, type WorkerMessage } from './thread-protocol.js';
import { normalizeModuleUrl, workerEntry } from './thread-modules.js';
import { checkedTransferList } from './transfer.js';
// Our own shapes under Node's names (see worker-types.ts for why they are not Node's).
import type { ThreadResourceLimits as ResourceLimits, ThreadTransferable as TransferListItem } from './worker-types.js';

/** Any task function a pool's module can export: one param in, a value or a promise out. */
export type ThreadTask = (param: never) => unknown;

/** The param type of a task function. */
export type ThreadTaskParam<Task extends ThreadTask> = Parameters<Task>[0];

/** What a task function's result arrives as in the main thread. */
export type ThreadTaskResult<Task extends ThreadTask> = Awaited<ReturnType<Task>>;

/** Options of `new ThreadPool(taskModuleUrl, options)`. */
export interface ThreadPoolOptions {
  /** Most worker threads. Default: `os.availableParallelism()` (the CPU count), the measure for CPU-bound work. */
  maxThreads?: number;
  /** Threads kept alive while idle. Default 0: nothing starts until the first task. */
  minThreads?: number;
  /** An idle thread above `minThreads` ends after this long. Default 30000 ms. */
  idleTimeoutMs?: number;
  /** The module's export that is the task function. Default `'default'`. */
  exportName?: string;
  /** Environment of the worker threads (`REDIS_URL` for a task module that uses popoto-ts/redis, say). Default: a copy of `process.env`. */
  env?: Record<string, string | undefined>;
  /** V8 heap limits of each worker thread (`worker_threads` `resourceLimits`). */
  resourceLimits?: ResourceLimits;
  /** Name in background-error reports. Default: `ThreadPool(<module file name>)`. */
  name?: string;
}

/** Options of `pool.runAll` and `pool.runAllSettled`: those of `runAllMultithreaded`, plus `transfer`. */
export interface ThreadRunOptions<P> extends RunAllOptions {
  /**
   * What to move to the worker instead of copying, per param: its ArrayBuffers (and
   * MessagePorts). Moved buffers become detached (length 0) in the main thread. Default: copy.
   */
  transfer?: (param: P, index: number) => readonly TransferListItem[];
}

/** Options of `pool.streamAll`: those of `streamAllMultithreaded`, plus `transfer`. */
export interface ThreadStreamOptions<P> extends StreamAllOptions {
  /** See `ThreadRunOptions.transfer`. */
  transfer?: (param: P, index: number) => readonly TransferListItem[];
}

/** Options of `pool.startNewThread`. */
export interface ThreadBackgroundOptions {
  /** ArrayBuffers (and MessagePorts) of the param to move to the worker instead of copying. */
  transfer?: readonly TransferListItem[];
}

/** Options of `pool.run`. */
export interface ThreadTaskOptions extends ThreadBackgroundOptions {
  /** Aborting removes the task if it is queued, or terminates its thread if it runs; the promise rejects with an AbortError. */
  signal?: AbortSignal;
}

/**
 * Default concurrency of a pool's runs, per thread: 8 tasks in flight per thread (one running,
 * the rest queued in piscina), so that a thread finishing a task finds the next one already
 * there while the main thread is busy with the replies. Measured with the bench's CPU row (2
 * threads, ~1 ms tasks, median of 9 interleaved rounds, loaded machine): 2 per thread reached
 * ~0.9x piscina with every task queued at once, 4 per thread ~0.8-0.96x, 8 per thread ~0.99-1.03x;
 * the bench prints the sweep on every run. A deeper queue costs only the queued params' memory,
 * and an abort removes queued tasks at once.
 */
export const TASKS_IN_FLIGHT_PER_THREAD = 8;

/** Most tasks in flight for which a run shares one abort signal among its piscina tasks (see #prepare). */
const SHARED_SIGNAL_MAX_TASKS = 256;

/** How long close() waits for the workers to close their connections before terminating them anyway. */
const CLOSE_TIMEOUT_MS = 5000;

let poolCount = 0;

/**
 * A pool of worker threads for CPU-bound work (decoding and re-encoding records, compressing,
 * hashing, computing over a series): the event loop stays free for I/O while every core works.
 * Built on piscina. The task module exports the task function (default export, or `exportName`),
 * which takes one param and returns a value or a promise; params and results are copied between
 * threads by structured clone (plain data: objects, arrays, Map, Set, Date, typed arrays).
 *
 * - `runAll(params, options)`, `runAllSettled`, `streamAll`: `runAllMultithreaded`'s semantics
 *   and options (input order, `stopOnError`, `signal`, `timeoutMs`, `retries`, `onProgress`,
 *   lazy input). Default concurrency: `TASKS_IN_FLIGHT_PER_THREAD` (8) × `maxThreads`.
 *   Aborting (the signal, a timeout, an abandoned run) removes queued tasks and interrupts running
 *   ones: piscina terminates the thread running an aborted task, and starts a new one when needed.
 * - `run(param, { signal })`: one task, for a CPU step inside a larger pipeline (pass the
 *   pipeline task's `task.signal`, so cancellation reaches the thread).
 * - `startNewThread(param)`: fire-and-forget in a worker, tracked like `startNewThread` tasks
 *   (`drainBackgroundTasks`, the shutdown hooks, `onBackgroundError`, `maxPending`).
 * - Errors thrown by a task arrive with their name, message, stack (the worker's frames), own
 *   properties and cause. A thread that dies under a task (`process.exit`, an uncaught exception)
 *   fails that task alone with a `ThreadCrashError`, and is replaced.
 * - `close()`: waits for submitted tasks, closes each worker's popoto-ts/redis connection, ends
 *   the threads. Idle threads never keep the process alive; after `close()` nothing does.
 *
 * Type the pool with the task function to get typed params and results:
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
  readonly #piscina: Piscina;
  readonly #channel: BroadcastChannel;
  readonly #name: string;
  readonly #maxThreads: number;
  readonly #readyThreads = new Set<number>();
  readonly #closedThreads = new Set<number>();
  #onThreadClosed: (() => void) | undefined;
  #inFlight = 0;
  #onIdle: (() => void) | undefined;
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
    assertKnownKeys(
      options,
      ['maxThreads', 'minThreads', 'idleTimeoutMs', 'exportName', 'env', 'resourceLimits', 'name'],
      'options',
    );
    const {
      maxThreads = availableParallelism(),
      minThreads = 0,
      idleTimeoutMs = 30_000,
      exportName = 'default',
      env,
      resourceLimits,
      name = `ThreadPool(${basename(moduleUrl.startsWith('file:') ? fileURLToPath(moduleUrl) : 'data: module')})`,
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

    this.#name = name;
    this.#maxThreads = maxThreads;
    const config: WorkerConfig = {
      moduleUrl,
      exportName,
      channel: `popoto-ts:thread-pool:${process.pid}:${++poolCount}:${randomUUID()}`,
    };
    this.#channel = new BroadcastChannel(config.channel);
    this.#channel.unref();
    this.#channel.onmessage = (event: MessageEvent) => this.#onWorkerMessage(event.data as WorkerMessage);

    const { filename, execArgv } = workerEntry();
    this.#piscina = new Piscina({
      filename,
      minThreads,
      maxThreads,
      idleTimeout: idleTimeoutMs,
      // Idle workers wait with Atomics.waitAsync, so their event loop keeps running: a Redis
      // connection in a worker stays serviced between tasks, and close() can reach the worker.
      atomics: 'async',
      recordTiming: false,
      env,
      resourceLimits,
      execArgv,
      workerData: { [WORKER_CONFIG_KEY]: config },
    });
    // piscina emits 'error' for a thread that fails with no task on it (an uncaught exception
    // in a timer after its task settled): reported like a failed background task, never a crash.
    this.#piscina.on('error', (error: unknown) => {
      // A reply that was already on its way when its task was aborted (and its thread
      // terminated): the task's outcome is decided, so the late reply means nothing.
      if (messageOf(error).startsWith('Unexpected message from Worker')) return;
      reportBackgroundError(error, { name: `${this.#name} worker thread`, args: [] });
    });
  }

  /** The most threads this pool runs. */
  get maxThreads(): number {
    return this.#maxThreads;
  }

  /**
   * Runs the task function over every param on the worker threads and resolves with the
   * results in input order; `runAllMultithreaded`'s options and semantics.
   */
  runAll(
    params: Iterable<ThreadTaskParam<Task>> | AsyncIterable<ThreadTaskParam<Task>>,
    options?: ThreadRunOptions<ThreadTaskParam<Task>>,
  ): Promise<ThreadTaskResult<Task>[]> {
    try {
      const [submit, runOptions] = this.#prepare(options);
      return runAllMultithreaded(submit, params, runOptions);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Like `runAll`, but with every outcome by index (`runAllSettled`'s semantics). */
  runAllSettled(
    params: Iterable<ThreadTaskParam<Task>> | AsyncIterable<ThreadTaskParam<Task>>,
    options?: Omit<ThreadRunOptions<ThreadTaskParam<Task>>, 'stopOnError'>,
  ): Promise<SettledResult<ThreadTaskResult<Task>>[]> {
    try {
      const [submit, runOptions] = this.#prepare(options);
      return runAllSettled(submit, params, runOptions);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Like `runAll`, but yields the results in input order as they come (`streamAllMultithreaded`'s semantics). */
  streamAll(
    params: Iterable<ThreadTaskParam<Task>> | AsyncIterable<ThreadTaskParam<Task>>,
    options?: ThreadStreamOptions<ThreadTaskParam<Task>>,
  ): AsyncIterableIterator<ThreadTaskResult<Task>> {
    const [submit, runOptions] = this.#prepare(options);
    return streamAllMultithreaded(submit, params, runOptions);
  }

  /**
   * Runs the task on one param in a worker thread and resolves with its result: the CPU step of
   * a larger job, e.g. inside `runAllMultithreaded((key, i, task) => ...)` with `task.signal`.
   * A param that cannot be sent rejects with a TypeError naming it.
   */
  run(param: ThreadTaskParam<Task>, options?: ThreadTaskOptions): Promise<ThreadTaskResult<Task>> {
    try {
      assertOptionsObject(options, 'options');
      assertKnownKeys(options, ['signal', 'transfer'], 'options');
      assertOptionalSignal(options?.signal, 'options.signal');
      const transferList = checkedTransferList(options?.transfer);
      this.#assertOpen();
      assertSendable(param, 'param', transferList);
      return this.#run(param, 'the task', options?.signal, transferList) as Promise<ThreadTaskResult<Task>>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Runs the task on `param` in a worker thread, fire-and-forget: returns at once, tracked like
   * a `startNewThread` task (`drainBackgroundTasks`, the shutdown hooks, `onBackgroundError`).
   * Throws at once for a param that cannot be sent, a full background queue or a closed pool.
   */
  startNewThread(param: ThreadTaskParam<Task>, options?: ThreadBackgroundOptions): void {
    assertOptionsObject(options, 'options');
    assertKnownKeys(options, ['transfer'], 'options');
    const transferList = checkedTransferList(options?.transfer);
    this.#assertOpen();
    assertSendable(param, 'param', transferList);
    trackBackgroundWork(() => this.#run(param, 'the background task', undefined, transferList), {
      name: this.#name,
      args: [param],
    });
  }

  /**
   * Stops taking tasks, waits for those submitted (runs in progress fail their later tasks with
   * "ThreadPool is closed"), closes each worker's popoto-ts/redis connection, and ends the
   * threads. Idempotent: every call returns the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** `await using pool = new ThreadPool(...)`: `close()` when the scope ends. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    // Referenced on purpose while closing: the caller awaits it, and idle threads are unref'd.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    try {
      if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#onIdle = resolve));
      await this.#closeWorkerResources();
      await this.#piscina.destroy();
    } finally {
      clearInterval(keepAlive);
      this.#channel.close();
    }
  }

  /** Asks every started thread to close its connections, and waits for their answers (at most CLOSE_TIMEOUT_MS). */
  async #closeWorkerResources(): Promise<void> {
    const alive = new Set(this.#piscina.threads.map((thread) => thread.threadId));
    const waitingFor = (): number[] =>
      [...this.#readyThreads].filter((id) => alive.has(id) && !this.#closedThreads.has(id));
    if (waitingFor().length === 0) return;
    this.#channel.postMessage({ type: 'close' } satisfies WorkerMessage);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, CLOSE_TIMEOUT_MS);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#onThreadClosed = () => {
        if (waitingFor().length === 0) done();
      };
    });
    this.#onThreadClosed = undefined;
  }

  #onWorkerMessage(message: WorkerMessage): void {
    if (message.type === 'ready') {
      this.#readyThreads.add(message.threadId);
      // A thread that started while closing missed the broadcast.
      if (this.#closing !== undefined) this.#channel.postMessage({ type: 'close' } satisfies WorkerMessage);
    } else if (message.type === 'closed') {
      this.#closedThreads.add(message.threadId);
      if (message.error !== undefined) {
        reportBackgroundError(new Error(`closing a worker thread's Redis connection failed: ${message.error}`), {
          name: `${this.#name} close()`,
          args: [],
        });
      }
      this.#onThreadClosed?.();
    }
  }

  /** Validates run options; returns the engine's task function and the engine's options. */
  #prepare<O extends ThreadRunOptions<ThreadTaskParam<Task>> | ThreadStreamOptions<ThreadTaskParam<Task>>>(
    options: O | undefined,
  ): [
    (param: ThreadTaskParam<Task>, index: number, task: TaskContext) => Promise<ThreadTaskResult<Task>>,
    Omit<O, 'transfer'>,
  ] {
    assertOptionsObject(options, 'options');
    const { transfer, ...runOptions } = options ?? {};
    assertOptionalFunction(transfer, 'options.transfer');
    this.#assertOpen();
    const concurrency = (runOptions as RunAllOptions).concurrency ?? TASKS_IN_FLIGHT_PER_THREAD * this.#maxThreads;
    // Without a per-attempt timeout, every task of a run stops together, so piscina can be given
    // the run's one signal: a controller and its listeners per task cost ~6% of the main
    // thread's time per hand-off (20k tiny tasks on 2 threads, interleaved A/B), time the worker
    // threads need on a 2-core machine. Each task adds a listener to that signal, and removing one is a scan
    // of them all, so past SHARED_SIGNAL_MAX_TASKS in flight each task has its own again.
    const perTaskSignal =
      (runOptions as RunAllOptions).timeoutMs !== undefined ||
      (typeof concurrency === 'number' && concurrency > SHARED_SIGNAL_MAX_TASKS);
    const submit = (
      param: ThreadTaskParam<Task>,
      index: number,
      task: TaskContext,
    ): Promise<ThreadTaskResult<Task>> => {
      const transferList = transfer?.(param, index);
      assertSendable(param, `params[${index}]`, transferList);
      const signal = perTaskSignal ? task.signal : runSignalOf(task);
      return this.#run(param, `task ${index}`, signal, transferList) as Promise<ThreadTaskResult<Task>>;
    };
    const withDefaults = { ...runOptions, concurrency } as Omit<O, 'transfer'>;
    return [submit, withDefaults];
  }

  /** Hands one param to piscina, counted until it settles so that close() can wait for it. */
  #run(
    param: unknown,
    label: string,
    signal: AbortSignal | undefined,
    transferList: readonly TransferListItem[] | undefined,
  ): Promise<unknown> {
    this.#assertOpen();
    this.#inFlight++;
    const settled = (): void => {
      if (--this.#inFlight === 0) this.#onIdle?.();
    };
    return this.#piscina.run(param, { signal, transferList: transferList as Transferable[] | undefined }).then(
      (result: unknown) => {
        settled();
        return result;
      },
      (error: unknown) => {
        settled();
        throw fromWorker(error, label);
      },
    );
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) throw new Error(`${this.#name} is closed: create a new ThreadPool`);
  }
}
