import { TaskError } from '../utils/errors.js';
import { abandonedReason } from './task-context.js';
import type { NormalizedRunOptions } from './run-options.js';
import type { TaskFn } from './task-policy.js';
import { TaskPool } from './task-pool.js';

interface Waiter<R> {
  resolve(result: IteratorResult<R, undefined>): void;
  reject(error: unknown): void;
}

/**
 * The async iterator behind streamAllMultithreaded: results come out in input order while
 * at most `highWaterMark` results are in flight or buffered ahead of the reader, so memory
 * stays flat however long the input is. Nothing runs until the first `next()`.
 *
 * On a failure with stopOnError, nothing new starts, the results before the failed item are
 * still delivered, then its error is thrown. Without stopOnError, failed items are skipped and
 * an AggregateError of TaskErrors is thrown after the last result.
 */
export class OrderedStream<P, R> implements AsyncIterableIterator<R, undefined> {
  private readonly pool: TaskPool<P, R>;
  private readonly values = new Map<number, R>();
  private readonly failures = new Map<number, unknown>();
  private readonly errors: TaskError[] = [];
  private readonly waiters: Waiter<R>[] = [];
  private started = false;
  private finished = false;
  private nextToYield = 0;
  private end: number | undefined;
  private fatalError: { error: unknown } | undefined;

  constructor(
    fn: TaskFn<P, R>,
    params: Iterable<P> | AsyncIterable<P>,
    private readonly options: NormalizedRunOptions,
  ) {
    this.pool = new TaskPool(fn, params, options, {
      settled: (index, ok, value) => this.settled(index, ok, value),
      ended: (total) => {
        this.end = total;
        this.flush();
      },
      fatal: (error) => {
        this.fatalError = { error };
        this.flush();
      },
      mayStart: (index) => index < this.nextToYield + this.options.highWaterMark,
    });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<R, undefined>> {
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
  async return(): Promise<IteratorResult<R, undefined>> {
    this.finish(abandonedReason('the stream was closed by its reader'));
    await this.pool.inputClosed;
    return { done: true, value: undefined };
  }

  async throw(error?: unknown): Promise<IteratorResult<R, undefined>> {
    this.finish(abandonedReason('the stream was closed by its reader', error));
    await this.pool.inputClosed;
    throw error;
  }

  private settled(index: number, ok: boolean, value: unknown): void {
    if (ok) {
      this.values.set(index, value as R);
    } else {
      this.failures.set(index, value);
      // Stop starting tasks now; the failure is thrown when the reader reaches its index.
      if (this.options.stopOnError) this.pool.halt();
    }
    this.flush();
  }

  private flush(): void {
    while (this.waiters.length > 0) {
      if (this.finished) {
        this.waiters.shift()?.resolve({ done: true, value: undefined });
        continue;
      }
      if (this.fatalError !== undefined) {
        this.fail(this.fatalError.error);
        continue;
      }
      const index = this.nextToYield;
      if (this.values.has(index)) {
        const value = this.values.get(index) as R;
        this.values.delete(index);
        this.nextToYield++;
        this.waiters.shift()?.resolve({ done: false, value });
        this.pool.pump();
        continue;
      }
      if (this.failures.has(index)) {
        const error = this.failures.get(index);
        this.failures.delete(index);
        this.nextToYield++;
        if (this.options.stopOnError) {
          this.fail(error, abandonedReason(`task ${index} failed`, error));
        } else {
          this.errors.push(new TaskError(index, error));
          this.pool.pump();
        }
        continue;
      }
      if (this.end !== undefined && index >= this.end) {
        if (this.errors.length > 0) {
          this.fail(new AggregateError(this.errors, `${this.errors.length} of ${this.end} tasks failed`));
        } else {
          this.finish(undefined);
        }
        continue;
      }
      return;
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
    this.values.clear();
    this.failures.clear();
    // A next() still waiting (return() called without awaiting it) ends instead of hanging.
    queueMicrotask(() => this.flush());
  }
}
