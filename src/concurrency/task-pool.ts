import { describeValue } from '../utils/errors.js';
import type { NormalizedRunOptions } from './run-options.js';
import { abandonedReason, RunScope, TaskAttempt } from './task-context.js';
import { isThenable, withTaskPolicy, type TaskFn } from './task-policy.js';

/** What a consumer of the pool (the array collector or the ordered stream) is told. */
export interface PoolSink {
  /** A task finished with `value`, in completion order. */
  fulfilled(index: number, value: unknown): void;
  /** A task failed with `error` (after retries), in completion order. */
  rejected(index: number, error: unknown): void;
  /** Input is exhausted and every task has settled. */
  ended(total: number): void;
  /** The run cannot go on: aborted, the input threw, or onProgress threw. The pool has already stopped. */
  fatal(error: unknown): void;
  /** Whether the task with this index may start now (the stream's bounded buffer); absent = always. */
  mayStart?(index: number): boolean;
}

/** Throws a TypeError unless `params` can be iterated, synchronously or asynchronously. */
export function assertIterable(params: unknown): asserts params is Iterable<unknown> | AsyncIterable<unknown> {
  const candidate = params as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown } | null | undefined;
  if (
    candidate === null ||
    candidate === undefined ||
    (typeof candidate[Symbol.asyncIterator] !== 'function' && typeof candidate[Symbol.iterator] !== 'function')
  ) {
    throw new TypeError(`params must be an Iterable or AsyncIterable, got ${describeValue(params)}`);
  }
}

/** Number of inputs when it is known without consuming them (arrays, typed arrays, Sets, Maps). */
function knownSize(params: unknown): number | undefined {
  if (Array.isArray(params) || ArrayBuffer.isView(params)) return (params as ArrayLike<unknown>).length;
  if (params instanceof Set || params instanceof Map) return params.size;
  return undefined;
}

/** How long the pump may run in one macrotask before it lets timers, I/O and signals in. */
const SLICE_MS = 10;

/**
 * The engine under runAllMultithreaded and streamAllMultithreaded: pulls params lazily,
 * keeps at most `concurrency` tasks in flight, and reports each settlement with its index.
 *
 * It is written as a loop over a synchronous iterator where it can be (arrays, Sets,
 * generators), because an `await` per input item is measurable at Redis speeds; async
 * iterables are pulled one `next()` at a time, as their protocol requires.
 *
 * Tasks that finish without real I/O (sync functions, cache hits) settle in microtasks, and a
 * pump fed only by microtasks would never let the event loop turn: no timer, no signal, no
 * SIGINT would get through, and an infinite input would run for ever. So after SLICE_MS of
 * continuous pumping it continues on the next turn (setImmediate).
 *
 * Cancellation: every task gets a `TaskContext`; the run's `RunScope` is the one place that
 * tells pending attempts, timeout timers and retry waits that the run stopped, so the
 * caller's signal carries one listener per run however many tasks are in flight.
 */
export class TaskPool<P, R> {
  private readonly scope = new RunScope();
  /** Runs every attempt of one input when a timeout or retries apply; undefined on the plain path. */
  private readonly withPolicy: ((param: P, index: number) => R | PromiseLike<R>) | undefined;
  private syncInput: Iterator<P> | undefined;
  private asyncInput: AsyncIterator<P> | undefined;
  private active = 0;
  private nextIndex = 0;
  private done = 0;
  private failed = 0;
  private total: number | undefined;
  private inputDone = false;
  private halted = false;
  private abandoned = false;
  private ended = false;
  private pumping = false;
  private pulling = false;
  private yielding = false;
  private sliceStart = performance.now();
  private launchesInSlice = 0;
  private closeDeferred = false;
  private closing: Promise<void> = Promise.resolve();
  private readonly onAbort = (): void => this.fatal(this.options.signal?.reason, { aborted: true });

  constructor(
    private readonly fn: TaskFn<P, R>,
    private readonly params: Iterable<P> | AsyncIterable<P>,
    private readonly options: NormalizedRunOptions,
    private readonly sink: PoolSink,
  ) {
    this.withPolicy = withTaskPolicy(fn, options.timeoutMs, options.retry, this.scope);
    this.total = knownSize(params);
  }

  /** Starts pulling input and running tasks. */
  begin(): void {
    const { signal } = this.options;
    if (signal?.aborted) {
      this.fatal(signal.reason, { aborted: true });
      return;
    }
    signal?.addEventListener('abort', this.onAbort, { once: true });
    try {
      const asyncFactory = (this.params as AsyncIterable<P>)[Symbol.asyncIterator];
      if (typeof asyncFactory === 'function') this.asyncInput = asyncFactory.call(this.params);
      else this.syncInput = (this.params as Iterable<P>)[Symbol.iterator]();
    } catch (error) {
      this.fatal(error);
      return;
    }
    this.pump();
  }

  /** A promise that settles once the input has been closed (after `halt`), so callers can wait for its cleanup. */
  get inputClosed(): Promise<void> {
    return this.closing;
  }

  /** Starts tasks while there is room; called again whenever room may have appeared. */
  pump(): void {
    if (this.pumping || this.yielding) return;
    this.pumping = true;
    try {
      while (
        !this.halted &&
        !this.inputDone &&
        this.active < this.options.concurrency &&
        (this.sink.mayStart?.(this.nextIndex) ?? true)
      ) {
        if (this.timeToYield()) {
          this.yieldTurn();
          break;
        }
        if (this.syncInput !== undefined) {
          let step: IteratorResult<P>;
          try {
            step = this.syncInput.next();
          } catch (error) {
            this.fatal(error);
            return;
          }
          // An abort can arrive while the generator runs (it may even cause it): then the item
          // it produced is not started, and the generator, which could not be closed while
          // running, is closed now.
          if (this.halted) {
            if (this.closeDeferred) this.closeInput();
            break;
          }
          if (step.done === true) this.inputExhausted();
          else this.launch(step.value);
        } else {
          this.pullAsync();
          break;
        }
      }
    } finally {
      this.pumping = false;
    }
    this.checkEnded();
  }

  /** Stops starting tasks and closes the input; tasks in flight still report. */
  halt(): void {
    if (this.halted) return;
    this.halted = true;
    if (this.inputDone) return;
    this.inputDone = true;
    this.closeInput();
  }

  /** Closing the iterator runs the generator's `finally` blocks and releases what it holds. */
  private closeInput(): void {
    this.closeDeferred = false;
    if (this.asyncInput !== undefined) {
      const input = this.asyncInput;
      // An async generator queues return() behind a pending next(), so this is safe at any time.
      this.closing = Promise.resolve()
        .then(() => input.return?.())
        .then(
          () => undefined,
          () => undefined,
        );
      return;
    }
    try {
      this.syncInput?.return?.();
    } catch (error) {
      // "Generator is already running": we are inside its next(); pump closes it on return.
      if (this.pumping && error instanceof TypeError) this.closeDeferred = true;
      // Any other error while abandoning the input changes nothing for the caller.
    }
  }

  private timeToYield(): boolean {
    if ((++this.launchesInSlice & 63) !== 0) return false;
    return performance.now() - this.sliceStart > SLICE_MS;
  }

  private yieldTurn(): void {
    this.yielding = true;
    setImmediate(() => {
      this.yielding = false;
      this.sliceStart = performance.now();
      this.launchesInSlice = 0;
      this.pump();
    });
  }

  /**
   * Halts, ignores whatever tasks in flight still report, cancels retry and timeout timers, and
   * fires the signal of every pending task with `reason`.
   */
  abandon(reason: unknown): void {
    this.halt();
    this.abandoned = true;
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.scope.stop(reason);
  }

  /** The caller's abort passes its own reason on to the tasks; any other fatal error an AbortError caused by it. */
  private fatal(error: unknown, how?: { aborted: true }): void {
    if (this.abandoned) return;
    this.abandon(how?.aborted === true ? error : abandonedReason('the run failed', error));
    this.sink.fatal(error);
  }

  private pullAsync(): void {
    if (this.pulling || this.asyncInput === undefined) return;
    this.pulling = true;
    let next: Promise<IteratorResult<P>>;
    try {
      next = Promise.resolve(this.asyncInput.next());
    } catch (error) {
      this.pulling = false;
      this.fatal(error);
      return;
    }
    next.then(
      (step) => {
        this.pulling = false;
        if (this.halted) return;
        if (step.done === true) this.inputExhausted();
        else this.launch(step.value);
        this.pump();
      },
      (error: unknown) => {
        this.pulling = false;
        this.fatal(error);
      },
    );
  }

  private inputExhausted(): void {
    this.inputDone = true;
    this.total = this.nextIndex;
  }

  private launch(param: P): void {
    const index = this.nextIndex++;
    this.active++;
    // On the plain path the pool makes the context; with a policy, each attempt makes its own.
    const task = this.withPolicy === undefined ? new TaskAttempt(index, 1, this.scope) : undefined;
    let result: R | PromiseLike<R>;
    try {
      result = task === undefined ? this.withPolicy!(param, index) : this.fn(param, index, task);
    } catch (error) {
      task?.finish();
      this.reject(index, error);
      return;
    }
    if (!isThenable(result)) {
      task?.finish();
      this.fulfil(index, result);
      return;
    }
    try {
      result.then(
        (value) => {
          task?.finish();
          this.fulfil(index, value);
        },
        (error: unknown) => {
          task?.finish();
          this.reject(index, error);
        },
      );
    } catch (error) {
      // A hand-made thenable whose `then` throws: that is this task's failure.
      task?.finish();
      this.reject(index, error);
    }
  }

  private fulfil(index: number, value: unknown): void {
    if (this.abandoned) return;
    this.active--;
    this.done++;
    this.sink.fulfilled(index, value);
    this.settled();
  }

  private reject(index: number, error: unknown): void {
    if (this.abandoned) return;
    this.active--;
    this.done++;
    this.failed++;
    this.sink.rejected(index, error);
    this.settled();
  }

  /** After a task's outcome was counted and told to the sink: progress, then the next tasks, unless the sink stopped the run. */
  private settled(): void {
    if (this.abandoned) return;
    const { onProgress } = this.options;
    if (onProgress !== undefined) {
      try {
        onProgress({ done: this.done, failed: this.failed, total: this.total });
      } catch (error) {
        this.fatal(error);
        return;
      }
    }
    this.pump();
  }

  private checkEnded(): void {
    if (this.ended || this.halted || !this.inputDone || this.active > 0 || this.pulling) return;
    this.ended = true;
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.sink.ended(this.total ?? this.nextIndex);
  }
}
