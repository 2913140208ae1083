// The process's default background registry, and the free functions that act on it (what
// popoto-ts has always exported). The registry itself is background-registry.ts.
import {
  BackgroundTasks,
  type BackgroundTaskConfig,
  type BackgroundTaskStats,
  type DrainOptions,
  type DrainResult,
} from './background-registry.js';
import type { BackgroundErrorHandler, BackgroundTaskInfo } from './background-report.js';
import type { ShutdownHookOptions } from './shutdown-hooks.js';

export { BackgroundQueueFullError } from './background-queue-full.js';
export type { BackgroundErrorHandler, BackgroundTaskInfo } from './background-report.js';
export {
  BackgroundTasks,
  DEFAULT_MAX_PENDING_BACKGROUND_TASKS,
  type BackgroundFunctionOptions,
  type BackgroundTaskConfig,
  type BackgroundTaskStats,
  type DrainOptions,
  type DrainResult,
} from './background-registry.js';
export type { ShutdownHookOptions } from './shutdown-hooks.js';

/**
 * The registry behind `startNewThread`, `drainBackgroundTasks`, `onBackgroundError`,
 * `backgroundTaskStats`, `configureBackgroundTasks`, `installShutdownHooks`, a `ThreadPool`
 * made without `tasks`, and popoto-ts's own housekeeping.
 */
export const defaultBackgroundTasks = new BackgroundTasks();

/** `defaultBackgroundTasks.configure(options)`: see `BackgroundTasks.configure`. */
export function configureBackgroundTasks(options?: Partial<BackgroundTaskConfig>): BackgroundTaskConfig {
  return defaultBackgroundTasks.configure(options);
}

/** Schedules a task on the default registry: see `BackgroundTasks.schedule`. */
export function scheduleBackgroundTask(
  fn: (...args: unknown[]) => unknown,
  thisArg: unknown,
  args: unknown[],
  name: string,
): void {
  defaultBackgroundTasks.schedule(fn, thisArg, args, name);
}

/** Schedules popoto-ts's housekeeping on the default registry: see `BackgroundTasks.scheduleHousekeeping`. */
export function scheduleHousekeeping(
  fn: (...args: never[]) => unknown,
  thisArg: unknown,
  args: unknown[],
  name: string,
): void {
  defaultBackgroundTasks.scheduleHousekeeping(fn, thisArg, args, name);
}

/** Tracks work on the default registry: see `BackgroundTasks.trackWork`. */
export function trackBackgroundWork(start: () => PromiseLike<unknown>, info: BackgroundTaskInfo): void {
  defaultBackgroundTasks.trackWork(start, info);
}

/** Tracks running work on the default registry: see `BackgroundTasks.trackPromise`. */
export function trackBackgroundPromise(promise: PromiseLike<unknown>, info: BackgroundTaskInfo): void {
  defaultBackgroundTasks.trackPromise(promise, info);
}

/** Sends `error` to the default registry's handlers (`onBackgroundError`), or to stderr when there are none. */
export function reportBackgroundError(error: unknown, info: BackgroundTaskInfo): void {
  defaultBackgroundTasks.report(error, info);
}

/** Current counters of the default registry's work (started with `startNewThread` or `ThreadPool.startNewThread`). */
export function backgroundTaskStats(): BackgroundTaskStats {
  return defaultBackgroundTasks.stats();
}

/**
 * Registers a handler for failed background tasks and returns a function that removes it:
 * `defaultBackgroundTasks.onError(handler)` (see `BackgroundTasks.onError`).
 */
export function onBackgroundError(handler: BackgroundErrorHandler): () => void {
  return defaultBackgroundTasks.onError(handler);
}

/**
 * Waits until no background task of the default registry is pending, or until `timeoutMs` has
 * passed: `defaultBackgroundTasks.drain(options)` (see `BackgroundTasks.drain`).
 */
export function drainBackgroundTasks(options?: DrainOptions): Promise<DrainResult> {
  return defaultBackgroundTasks.drain(options);
}

/**
 * On each of `signals`, drains the default registry (at most `timeoutMs`), then exits with 128 +
 * the signal number: `defaultBackgroundTasks.installShutdownHooks(options)` (see
 * `BackgroundTasks.installShutdownHooks`).
 */
export function installShutdownHooks(options?: ShutdownHookOptions): () => void {
  return defaultBackgroundTasks.installShutdownHooks(options);
}
