import { TaskError } from '../utils/errors.js';
import { ResultStream } from './result-stream.js';

/** A result delivered as it finished (`ordered: false`), with the input index it belongs to. */
export interface IndexedResult<R> {
  /** Input index of the param. */
  index: number;
  /** The task's result. */
  value: R;
}

/**
 * The async iterator behind `ordered: false` (Python's `imap_unordered`): each result comes out
 * as soon as its task finishes, with its input index, while at most `highWaterMark` tasks are in
 * flight or finished and unread, so memory stays flat however long the input is. Nothing runs
 * until the first `next()`.
 *
 * On a failure with stopOnError, nothing new starts, the results that finished before it are
 * still delivered, then its error is thrown. Without stopOnError, failed tasks are skipped and
 * an AggregateError of TaskErrors (sorted by index) is thrown after the last result.
 */
export class UnorderedStream<P, R> extends ResultStream<P, R, IndexedResult<R>> {
  private ready: IndexedResult<R>[] = [];
  private readHead = 0;
  private readonly errors: TaskError[] = [];
  /** Tasks whose outcome the reader has had (or that failed without stopping the run). */
  private consumed = 0;
  /** The first task failure under stopOnError: thrown once the results finished before it are read. */
  private failure: { error: unknown } | undefined;

  protected fulfilled(index: number, value: unknown): void {
    this.ready.push({ index, value: value as R });
  }

  protected rejected(index: number, error: unknown): void {
    if (this.options.stopOnError) {
      this.failure ??= { error };
      this.pool.halt();
    } else {
      this.errors.push(new TaskError(index, error));
      this.consumed++;
    }
  }

  protected mayStart(index: number): boolean {
    return index - this.consumed < this.options.highWaterMark;
  }

  protected deliver(): { value: IndexedResult<R> } | { error: unknown } | 'done' | undefined {
    if (this.readHead < this.ready.length) {
      const value = this.ready[this.readHead++]!;
      if (this.readHead === this.ready.length) this.clear();
      this.consumed++;
      return { value };
    }
    if (this.failure !== undefined) return { error: this.failure.error };
    if (this.end === undefined) return undefined;
    if (this.errors.length === 0) return 'done';
    this.errors.sort((a, b) => a.index - b.index);
    return { error: new AggregateError(this.errors, `${this.errors.length} of ${this.end} tasks failed`) };
  }

  protected clear(): void {
    this.ready = [];
    this.readHead = 0;
  }
}
