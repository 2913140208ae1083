// The options and task types of ThreadPool, and their checks.
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  assertDuration,
  assertInteger,
  assertKnownKeys,
  assertOptionalBoolean,
  assertOptionalFunction,
  assertOptionalString,
  assertOptionsObject,
  optionNames,
} from '../utils/validate.js';
import { defaultBackgroundTasks } from './background.js';
import { assertBackgroundTasks, type BackgroundTasks } from './background-registry.js';
import {
  KNOWN_RUN_OPTIONS,
  normalizeRunOptions,
  type NormalizedRunOptions,
  type RunAllOptions,
  type RunForm,
  type StreamAllOptions,
} from './run-options.js';
import { normalizeModuleUrl } from './thread-modules.js';
import type { WorkerPoolSettings } from './worker-pool.js';
import type { TaskContext } from './task-context.js';
import type { ThreadResourceLimits, ThreadTransferable } from './worker-types.js';
import { MAX_CHUNK_SIZE } from './chunk-size.js';

/**
 * Any task function a pool's module can export: `(param, index, task)` in (the last two
 * optional, as on the main thread), a value or a promise out.
 */
export type ThreadTask = (param: never, index: number, task: TaskContext) => unknown;

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
  /** V8 heap limits of each worker thread. */
  resourceLimits?: ThreadResourceLimits;
  /** Name in background-error reports. Default: `ThreadPool(<module file name>)`. */
  name?: string;
  /**
   * Tasks per hand-off to a thread, for every run of the pool (a run's own `chunkSize` wins).
   * Default: sized from the task time the threads measure (see `CHUNK_TARGET_MS`): tiny tasks go
   * by the hundred, a 10 ms task or longer goes alone. 1 sends every task in its own message.
   */
  chunkSize?: number;
  /**
   * How long a running task may go on after it is cancelled (its run aborted, its `timeoutMs`
   * passed, its run abandoned) before its thread is terminated. Its `task.signal` fires at once;
   * a task that stops within the grace period keeps its thread. Default 1000 ms.
   */
  cancelGraceMs?: number;
  /**
   * The background registry that tracks `pool.startNewThread` tasks and receives the pool's
   * background errors. Default: `defaultBackgroundTasks`.
   */
  tasks?: BackgroundTasks;
}

/** The options every ThreadPool run adds to the engine's. */
interface ThreadOptions<P> {
  /**
   * What to move to the worker instead of copying, per param: its ArrayBuffers (and
   * MessagePorts). Moved buffers become detached (length 0) in the main thread. Default: copy.
   */
  transfer?: (param: P, index: number) => readonly ThreadTransferable[];
  /** Tasks per hand-off to a thread for this run. Default: the pool's `chunkSize`, else sized from measured task time. */
  chunkSize?: number;
}

/** Options of `pool.runAll`: those of `runAllMultithreaded`, plus `transfer`, `chunkSize` and `ordered`. */
export interface ThreadRunOptions<P> extends RunAllOptions, ThreadOptions<P> {
  /**
   * true (default): results in input order. false: in the order the tasks finished, each as
   * `{ index, value }` (Python's `imap_unordered`).
   */
  ordered?: boolean;
}

/** Options of `pool.runAllSettled`: those of `runAllSettled`, plus `transfer` and `chunkSize`. */
export interface ThreadSettledOptions<P> extends Omit<RunAllOptions, 'stopOnError'>, ThreadOptions<P> {}

/** Options of `pool.streamAll`: those of `streamAllMultithreaded`, plus `transfer`, `chunkSize` and `ordered`. */
export interface ThreadStreamOptions<P> extends StreamAllOptions, ThreadOptions<P> {
  /** See `ThreadRunOptions.ordered`. */
  ordered?: boolean;
}

/** Options of `pool.startNewThread`. */
export interface ThreadBackgroundOptions {
  /** ArrayBuffers (and MessagePorts) of the param to move to the worker instead of copying. */
  transfer?: readonly ThreadTransferable[];
}

/** Options of `pool.run`. */
export interface ThreadTaskOptions extends ThreadBackgroundOptions {
  /**
   * Aborting removes the task if it waits, or fires its `task.signal` in the worker if it runs
   * (its thread is terminated if it goes on past `cancelGraceMs`); the promise rejects with the
   * signal's reason at once.
   */
  signal?: AbortSignal;
}

/** Options of `pool.close`. */
export interface ThreadCloseOptions {
  /**
   * Most time to wait for the submitted tasks. Past it, tasks not started fail, and threads
   * still running a task are terminated (the task fails with a `ThreadCrashError`). Default: no
   * limit.
   */
  timeoutMs?: number;
}

/** Default `cancelGraceMs`. */
export const DEFAULT_CANCEL_GRACE_MS = 1000;

/** Refuses a chunk size that is not an integer from 1 to MAX_CHUNK_SIZE. */
export function assertChunkSize(value: unknown, name: string): void {
  if (value === undefined) return;
  assertInteger(value, name, 1);
  if (value > MAX_CHUNK_SIZE) throw new RangeError(`${name} must be at most ${MAX_CHUNK_SIZE}, got ${value}`);
}

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

/** Known options of a pool's runs, by form: the engine's, then the pool's own. */
const POOL_RUN_OPTIONS: Readonly<Record<RunForm, readonly string[]>> = {
  run: [...KNOWN_RUN_OPTIONS.run, ...RUN_KEYS],
  settled: [...KNOWN_RUN_OPTIONS.settled, ...RUN_KEYS],
  stream: [...KNOWN_RUN_OPTIONS.stream, ...RUN_KEYS],
};

/** Known options of `pool.run`. */
export const TASK_OPTIONS = optionNames<ThreadTaskOptions>({ signal: true, transfer: true });
/** Known options of `pool.startNewThread`. */
export const BACKGROUND_OPTIONS = optionNames<ThreadBackgroundOptions>({ transfer: true });
/** Known options of `pool.close`. */
export const CLOSE_OPTIONS = optionNames<ThreadCloseOptions>({ timeoutMs: true });

/** Checks `new ThreadPool(taskModuleUrl, options)` and fills in the defaults. */
export function checkPoolOptions(
  taskModuleUrl: string | URL,
  options: ThreadPoolOptions | undefined,
): WorkerPoolSettings & { tasks: BackgroundTasks } {
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
  return {
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
  };
}

/** A run's options, checked: what only a pool takes, apart from the engine's (normalized). */
export interface CheckedRunOptions<P> {
  transfer: ThreadRunOptions<P>['transfer'];
  chunkSize: number | undefined;
  ordered: boolean;
  /** The engine's options as given (before defaults). */
  runOptions: RunAllOptions & Pick<StreamAllOptions, 'highWaterMark'>;
  normalized: NormalizedRunOptions;
}

/** Checks the options of a pool's `runAll` / `runAllSettled` / `streamAll` (`form`). */
export function checkRunOptions<P>(
  options: (ThreadStreamOptions<P> & ThreadRunOptions<P>) | undefined,
  form: RunForm,
): CheckedRunOptions<P> {
  assertOptionsObject(options, 'options');
  const { transfer, chunkSize, ordered = true, ...runOptions } = options ?? {};
  assertOptionalFunction(transfer, 'options.transfer');
  assertChunkSize(chunkSize, 'options.chunkSize');
  if (form !== 'settled') assertOptionalBoolean(ordered, 'options.ordered');
  else if (options !== undefined && 'ordered' in options) {
    throw new TypeError('options has no option "ordered" in runAllSettled: its outcomes are always by index');
  }
  const normalized = normalizeRunOptions(runOptions, form, POOL_RUN_OPTIONS[form]);
  return { transfer, chunkSize, ordered, runOptions, normalized };
}
