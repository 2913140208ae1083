// How a ThreadPool run feeds the engine (task-pool.ts): its window follows the measured chunk
// size, its tasks go to the threads as one group, cancelled together when the run stops.
import type { NormalizedRunOptions } from './run-options.js';
import { runSignalOf, type TaskContext } from './task-context.js';
import type { LazyWorkerPool } from './lazy-worker-pool.js';
import type { CheckedRunOptions } from './thread-pool-options.js';
import type { TaskGroup } from './worker-pool.js';

/** A run ready for the engine: its task function, its options, and the order asked for. */
export interface PreparedRun<P, R> {
  submit: (param: P, index: number, task: TaskContext) => Promise<R>;
  normalized: NormalizedRunOptions;
  ordered: boolean;
}

/** Builds the engine's task function of one run over `pool`, from the run's checked options. */
export function prepareRun<P, R>(pool: LazyWorkerPool, checked: CheckedRunOptions<P>): PreparedRun<P, R> {
  const { transfer, chunkSize, ordered, runOptions, normalized } = checked;
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
  const submit = (param: P, index: number, task: TaskContext): Promise<R> => {
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
    }) as Promise<R>;
  };
  return { submit, normalized, ordered };
}
