import { setMaxListeners } from 'node:events';

/**
 * What a task function receives as its third argument: `fn(param, index, task)`.
 *
 * `signal` fires when the work is no longer wanted: the run's `signal` aborted (reason: that
 * signal's reason), this attempt's `timeoutMs` passed (reason: the `TaskTimeoutError`), or the run
 * was abandoned (a `stopOnError` failure, a stream closed by its reader; reason: a
 * `DOMException` named `AbortError` saying why). It never fires for a task that has settled.
 * Pass it on to whatever the task waits for (`fetch`, `setTimeout` from `timers/promises`, a
 * `ThreadPool`) so cancellation reaches the work.
 */
export interface TaskContext {
  /** Aborts when this attempt's result is no longer wanted (see above). Each attempt has its own. */
  readonly signal: AbortSignal;
  /** Input index of the param. */
  readonly index: number;
  /** 1 for the first attempt, 2 for the first retry, and so on. */
  readonly attempt: number;
}

/** Something in flight that a stopping run must cancel: an attempt, a retry's wait. */
export interface Cancellable {
  cancel(reason: unknown): void;
}

/**
 * The cancellation hub of one run. Whatever must hear that the run stopped registers here and
 * is told by one loop, so a run adds a single listener to the caller's signal whatever its
 * concurrency (one listener per task on a shared signal is what Node warns about past 10,
 * and what makes each removal a linear scan). Registration is a Set insert and delete.
 */
export class RunScope {
  private readonly live = new Set<Cancellable>();
  private stopReason: { reason: unknown } | undefined;
  private controller: AbortController | undefined;

  /** True once the run has stopped. */
  get stopped(): boolean {
    return this.stopReason !== undefined;
  }

  /** Why the run stopped (undefined while it runs). */
  get reason(): unknown {
    return this.stopReason?.reason;
  }

  /**
   * One signal for the whole run, aborted when it stops; created on first access. For consumers
   * whose tasks all stop together (a ThreadPool run cancels all its tasks on it, with one
   * listener): one controller per run instead of one per task. Unlimited listeners, since a
   * consumer may add one per task in flight.
   */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      setMaxListeners(0, this.controller.signal);
      if (this.stopReason !== undefined) this.controller.abort(this.stopReason.reason);
    }
    return this.controller.signal;
  }

  /** Registers `entry` to be cancelled if the run stops; cancels it at once if it already has. */
  add(entry: Cancellable): void {
    if (this.stopReason !== undefined) entry.cancel(this.stopReason.reason);
    else this.live.add(entry);
  }

  delete(entry: Cancellable): void {
    this.live.delete(entry);
  }

  /** Stops the run: every registered entry is cancelled with `reason`, once. */
  stop(reason: unknown): void {
    if (this.stopReason !== undefined) return;
    this.stopReason = { reason };
    const entries = [...this.live];
    this.live.clear();
    for (const entry of entries) entry.cancel(reason);
    this.controller?.abort(reason);
  }
}

/**
 * One attempt of one task, handed to the task function as its `TaskContext`. The AbortController
 * behind `signal` is created on first access only, so tasks that never look at it (the plain hot
 * path: `(key) => redis.get(key)`) cost one small object, not a controller each.
 */
export class TaskAttempt implements TaskContext, Cancellable {
  private controller: AbortController | undefined;
  private registered = false;
  private finished = false;
  private abortedWith: { reason: unknown } | undefined;
  /** Called when the run stops while this attempt is pending (the timeout wrapper rejects there). */
  onCancel: ((reason: unknown) => void) | undefined;

  constructor(
    readonly index: number,
    readonly attempt: number,
    private readonly scope: RunScope,
  ) {}

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortedWith !== undefined) this.controller.abort(this.abortedWith.reason);
      else if (!this.finished) this.track();
    }
    return this.controller.signal;
  }

  /** The run's signal (`RunScope.signal`): fires when the run stops, not on this attempt's timeout. */
  get runSignal(): AbortSignal {
    return this.scope.signal;
  }

  /** Registers with the run so that a stop reaches this attempt (for its signal, or its timeout timer). */
  track(): void {
    if (this.registered || this.finished) return;
    this.registered = true;
    this.scope.add(this);
  }

  /** The run stopped while this attempt was pending. */
  cancel(reason: unknown): void {
    if (this.finished) return;
    this.abort(reason);
    this.onCancel?.(reason);
  }

  /** Ends this attempt other than by its result (its timeout, the run's stop): its signal fires with `reason`. */
  abort(reason: unknown): void {
    if (this.finished) return;
    this.abortedWith = { reason };
    this.finish();
    this.controller?.abort(reason);
  }

  /** The attempt is over: it leaves the run's registry, and its signal will not fire after this. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.registered) this.scope.delete(this);
  }
}

/**
 * The reason a task's signal carries when its run is abandoned rather than aborted by the
 * caller: an `AbortError` (what `fetch` and `timers/promises` expect) saying why, with the
 * error that caused it, if any, as `cause`.
 */
export function abandonedReason(why: string, cause?: unknown): DOMException {
  const message = `run abandoned: ${why}`;
  return cause === undefined
    ? new DOMException(message, 'AbortError')
    : new DOMException(message, { name: 'AbortError', cause });
}

/**
 * A signal that fires when the run of `task` stops (aborted, abandoned), shared by every task of
 * the run; a context made outside a run (a caller's own) gives its own signal.
 */
export function runSignalOf(task: TaskContext): AbortSignal {
  return task instanceof TaskAttempt ? task.runSignal : task.signal;
}
