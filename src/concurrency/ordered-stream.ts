import { TaskError } from '../utils/errors.js';
import { ResultStream } from './result-stream.js';
import { abandonedReason } from './task-context.js';

/**
 * The async iterator behind streamAllMultithreaded: results come out in input order while
 * at most `highWaterMark` results are in flight or buffered ahead of the reader, so memory
 * stays flat however long the input is. Nothing runs until the first `next()`.
 *
 * On a failure with stopOnError, nothing new starts, the results before the failed item are
 * still delivered, then its error is thrown. Without stopOnError, failed items are skipped and
 * an AggregateError of TaskErrors is thrown after the last result.
 */
export class OrderedStream<P, R> extends ResultStream<P, R, R> {
  private readonly values = new Map<number, R>();
  private readonly failures = new Map<number, unknown>();
  private readonly errors: TaskError[] = [];
  private nextToYield = 0;

  protected fulfilled(index: number, value: unknown): void {
    this.values.set(index, value as R);
  }

  protected rejected(index: number, error: unknown): void {
    this.failures.set(index, error);
    // Stop starting tasks now; the failure is thrown when the reader reaches its index.
    if (this.options.stopOnError) this.pool.halt();
  }

  protected mayStart(index: number): boolean {
    return index < this.nextToYield + this.options.highWaterMark;
  }

  protected deliver(): { value: R } | { error: unknown; reason?: unknown } | 'done' | undefined {
    for (;;) {
      const index = this.nextToYield;
      if (this.values.has(index)) {
        const value = this.values.get(index) as R;
        this.values.delete(index);
        this.nextToYield++;
        return { value };
      }
      if (this.failures.has(index)) {
        const error = this.failures.get(index);
        this.failures.delete(index);
        this.nextToYield++;
        if (this.options.stopOnError) return { error, reason: abandonedReason(`task ${index} failed`, error) };
        this.errors.push(new TaskError(index, error));
        this.pool.pump();
        continue;
      }
      if (this.end !== undefined && index >= this.end) {
        if (this.errors.length === 0) return 'done';
        return { error: new AggregateError(this.errors, `${this.errors.length} of ${this.end} tasks failed`) };
      }
      return undefined;
    }
  }

  protected clear(): void {
    this.values.clear();
    this.failures.clear();
  }
}
