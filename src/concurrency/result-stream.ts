import type { NormalizedRunOptions } from './run-options.js';
import { abandonedReason } from './task-context.js';
import type { TaskFn } from './task-policy.js';
import { TaskPool } from './task-pool.js';

interface Waiter<Y> {
  resolve(result: IteratorResult<Y, undefined>): void;
  reject(error: unknown): void;
}

/**
 * What the run streams have in common (in input order, or as tasks finish): an async iterator
 * over a TaskPool that starts on the first `next()`, hands results to waiting `next()` calls,
 * ends the run when the reader stops (`break` closes the input and starts nothing new), and
 * throws what stopped the run as a whole at once. A subclass decides, in `deliver`, what the
 * reader gets next, and in `settled` and `mayStart`, what it buffers and how far ahead it runs.
 */
export abstract class ResultStream<P, R, Y> implements AsyncIterableIterator<Y, undefined> {
  protected readonly pool: TaskPool<P, R>;
  private readonly waiters: Waiter<Y>[] = [];
  private started = false;
  private finished = false;
  private flushing = false;
  private flushAgain = false;
  /** Input is exhausted and every task has settled: the total number of tasks. */
  protected end: number | undefined;
  /** What stopped the run as a whole (its abort, the input throwing): thrown at once. */
  private fatalError: { error: unknown } | undefined;

  constructor(
    fn: TaskFn<P, R>,
    params: Iterable<P> | AsyncIterable<P>,
    protected readonly options: NormalizedRunOptions,
  ) {
    this.pool = new TaskPool(fn, params, options, {
      fulfilled: (index, value) => {
        this.fulfilled(index, value);
        this.flush();
      },
      rejected: (index, error) => {
        this.rejected(index, error);
        this.flush();
      },
      ended: (total) => {
        this.end = total;
        this.flush();
      },
      fatal: (error) => {
        this.fatalError = { error };
        this.flush();
      },
      mayStart: (index) => this.mayStart(index),
    });
  }

  /** A task finished, in completion order: buffer its value. */
  protected abstract fulfilled(index: number, value: unknown): void;

  /** A task failed, in completion order: buffer or act on its error. */
  protected abstract rejected(index: number, error: unknown): void;

  /** Whether the task with this index may start (the bound on what is held ahead of the reader). */
  protected abstract mayStart(index: number): boolean;

  /**
   * Gives the reader what comes next, if it is there: `{ value }` to yield, `{ error }` to end the
   * stream with, `'done'` to end it, or undefined to wait for more outcomes.
   */
  protected abstract deliver(): { value: Y } | { error: unknown; reason?: unknown } | 'done' | undefined;

  /** Drops what is buffered once the stream has ended. */
  protected abstract clear(): void;

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Y, undefined>> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (!this.started) {
        this.started = true;
        this.pool.begin();
      }
      this.flush();
    });
  }

  /**
   * Called by `break` in `for await`: stop pulling input, start nothing new. Resolves once
   * the input has been closed, so an async generator's cleanup has run when the loop exits.
   */
  async return(): Promise<IteratorResult<Y, undefined>> {
    this.finish(abandonedReason('the stream was closed by its reader'));
    await this.pool.inputClosed;
    return { done: true, value: undefined };
  }

  async throw(error?: unknown): Promise<IteratorResult<Y, undefined>> {
    this.finish(abandonedReason('the stream was closed by its reader', error));
    await this.pool.inputClosed;
    throw error;
  }

  /**
   * Hands outcomes to waiting readers. Not re-entrant: starting a task (pump) can settle it
   * synchronously, which calls flush again from inside `deliver`; a nested pass would hand the
   * waiter an outcome while the outer pass still holds one it has already taken off the buffer,
   * and that one would be dropped. A nested call only asks the outer pass to go round again.
   */
  protected flush(): void {
    if (this.flushing) {
      this.flushAgain = true;
      return;
    }
    this.flushing = true;
    try {
      do {
        this.flushAgain = false;
        this.flushWaiters();
      } while (this.flushAgain);
    } finally {
      this.flushing = false;
    }
  }

  private flushWaiters(): void {
    while (this.waiters.length > 0) {
      if (this.finished) {
        this.waiters.shift()?.resolve({ done: true, value: undefined });
        continue;
      }
      if (this.fatalError !== undefined) {
        this.fail(this.fatalError.error);
        continue;
      }
      const next = this.deliver();
      if (next === undefined) return;
      if (next === 'done') {
        this.finish(undefined);
      } else if ('value' in next) {
        this.waiters.shift()?.resolve({ done: false, value: next.value });
        this.pool.pump();
      } else {
        this.fail(next.error, next.reason);
      }
    }
  }

  /** Ends the stream with `error`; tasks still pending get `reason` on their signal. */
  private fail(error: unknown, reason: unknown = abandonedReason('the run failed', error)): void {
    this.finish(reason);
    this.waiters.shift()?.reject(error);
  }

  /** Ends the stream; tasks still pending (none after a normal end) get `reason` on their signal. */
  private finish(reason: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.pool.abandon(reason);
    this.clear();
    // A next() still waiting (return() called without awaiting it) ends instead of hanging.
    queueMicrotask(() => this.flush());
  }
}
