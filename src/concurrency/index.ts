/**
 * popoto-ts/utils/multithreading: the concurrency engine, the TypeScript counterpart of Python
 * Popoto's `popoto.utils.multithreading`, published under that path (package.json `exports`) so
 * that ported code finds it where it expects.
 *
 * Node has one event loop: Redis I/O runs concurrently as async work on that loop, which is
 * what these helpers schedule. CPU-bound work belongs on worker threads (`ThreadPool`).
 *
 * @module utils/multithreading
 */
import { runAllMultithreaded } from './run-all.js';
import { startNewThread } from './start-new-thread.js';

export { DEFAULT_CONCURRENCY } from './concurrency.js';
export type { TaskContext } from './task-context.js';
export { PopotoError, TaskError, TaskTimeoutError, type PopotoErrorCode } from '../utils/errors.js';
/**
 * @deprecated Renamed `TaskTimeoutError` (the platform has a `TimeoutError` of its own): the same
 * class under its old name, kept until a future major version.
 */
export { TaskTimeoutError as TimeoutError } from '../utils/errors.js';
export type { Progress, RetryOptions, RunAllOptions, StreamAllOptions } from './run-options.js';
export {
  BackgroundQueueFullError,
  BackgroundTasks,
  backgroundTaskStats,
  configureBackgroundTasks,
  DEFAULT_MAX_PENDING_BACKGROUND_TASKS,
  defaultBackgroundTasks,
  drainBackgroundTasks,
  installShutdownHooks,
  onBackgroundError,
  type BackgroundErrorHandler,
  type BackgroundFunctionOptions,
  type BackgroundTaskConfig,
  type BackgroundTaskInfo,
  type BackgroundTaskStats,
  type DrainOptions,
  type DrainResult,
  type ShutdownHookOptions,
} from './background.js';

export {
  runAllMultithreaded,
  runAllSettled,
  streamAllMultithreaded,
  type RunAllSettledOptions,
  type SettledResult,
} from './run-all.js';
export { startNewThread, type StartNewThreadOptions } from './start-new-thread.js';
export { ThreadPool } from './thread-pool.js';
export {
  DEFAULT_CANCEL_GRACE_MS,
  type ThreadBackgroundOptions,
  type ThreadCloseOptions,
  type ThreadPoolOptions,
  type ThreadRunOptions,
  type ThreadSettledOptions,
  type ThreadStreamOptions,
  type ThreadTaskOptions,
  type ThreadTask,
  type ThreadTaskParam,
  type ThreadTaskResult,
} from './thread-pool-options.js';
export { ThreadCleanupError, ThreadCrashError, ThreadPoolClosedError, TsxNotFoundError } from './thread-errors.js';
export { transferResult } from './transfer.js';
export type { ThreadResourceLimits, ThreadTransferable } from './worker-types.js';
export type { IndexedResult } from './unordered-stream.js';
export { CHUNK_TARGET_MS, MAX_CHUNK_SIZE } from './chunk-size.js';

/** Python-style alias of `startNewThread`, for code ported from Popoto. */
export const start_new_thread = startNewThread;

/** Python-style alias of `runAllMultithreaded`, for code ported from Popoto. */
export const run_all_multithreaded = runAllMultithreaded;
