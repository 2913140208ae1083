// A ThreadPool's threads, loaded on first use: the worker-thread engine (worker-pool.ts and
// what it imports) is loaded by the first ThreadPool made, so that importing popoto-ts does not
// pay for it. Every call made before the engine is there waits for it, in order.
import { chunkSizeFor, windowFor } from './chunk-size.js';
import { closedPoolError } from './thread-errors.js';
import type { TaskGroup, TaskSpec, WorkerPool, WorkerPoolSettings } from './worker-pool.js';

/** The pool's engine, behind a sync face where ThreadPool's API is sync. */
export class LazyWorkerPool {
  readonly #settings: WorkerPoolSettings;
  readonly #loaded: Promise<WorkerPool>;
  #pool: WorkerPool | undefined;
  #closed = false;

  constructor(settings: WorkerPoolSettings) {
    this.#settings = settings;
    this.#loaded = import('./worker-pool.js').then(({ WorkerPool }) => (this.#pool = new WorkerPool(settings)));
    // A failed load reaches every caller through its own promise; this one only must not go unhandled.
    this.#loaded.catch(() => undefined);
  }

  /** Tasks per chunk now (see `WorkerPool.chunkSize`); before the engine is loaded, nothing is measured yet. */
  chunkSize(fixed?: number): number {
    return this.#pool?.chunkSize(fixed) ?? chunkSizeFor(fixed ?? this.#settings.chunkSize, undefined);
  }

  /** How many tasks a run should keep in flight (see `windowFor`). */
  window(fixed?: number): number {
    return windowFor(this.chunkSize(fixed), this.#settings.maxThreads);
  }

  /** Throws once close() has been called: the pool takes no new task. */
  assertOpen(): void {
    if (this.#closed) throw closedPoolError(this.#settings.name);
  }

  /** Queues one task (see `WorkerPool.submit`). */
  submit(spec: TaskSpec): Promise<unknown> {
    return this.#pool !== undefined ? this.#pool.submit(spec) : this.#loaded.then((pool) => pool.submit(spec));
  }

  /** Cancels every unsettled task of `group` (see `WorkerPool.cancelGroup`). */
  cancelGroup(group: TaskGroup, reason: unknown): void {
    if (this.#pool !== undefined) this.#pool.cancelGroup(group, reason);
    else
      void this.#loaded.then(
        (pool) => pool.cancelGroup(group, reason),
        () => undefined,
      );
  }

  /** Closes the engine once loaded (see `WorkerPool.close`). */
  close(timeoutMs: number | undefined): Promise<void> {
    this.#closed = true;
    return this.#loaded.then((pool) => pool.close(timeoutMs));
  }
}
