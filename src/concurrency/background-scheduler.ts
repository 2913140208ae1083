// The run queue of one background registry: tasks scheduled in a turn start together from the
// next one, at most MAX_RUNNING at once, each in its own caller's async context.
import { AsyncResource } from 'node:async_hooks';
import { DEFAULT_CONCURRENCY } from './concurrency.js';
import { isThenable } from './task-policy.js';

/** The async resource type of a background task, as async_hooks report it. */
const BACKGROUND_RESOURCE = 'popoto-ts.BackgroundTask';

/** What every call of one background function shares: the function, and its name for reports. */
export interface BackgroundCall {
  readonly fn: (...args: unknown[]) => unknown;
  readonly name: string;
}

/**
 * A scheduled call, kept as its parts (no closure, no info object until a failure needs one),
 * with the async context of its caller: every task scheduled in one turn starts from one
 * setImmediate, which runs in the context of the first caller; the task, being an AsyncResource
 * made at the call, puts the work (and the report of its failure) back in its own caller's
 * context, so `AsyncLocalStorage` stores (request ids, loggers, tracing spans) survive. This is
 * how piscina binds each of its tasks.
 *
 * One object per task rather than a record holding a separate AsyncResource, what the calls of
 * one function share kept once (`call`), and a call with one argument keeps it without an array
 * (`args` undefined): a burst of 100k `startNewThread` calls keeps 100k of these alive until they
 * start, and every young-generation GC meanwhile copies them, so each object less per task is GC
 * time less (measured by the bench's drain row: GC was a third of the drain's CPU profile).
 */
export class QueuedTask extends AsyncResource {
  constructor(
    readonly call: BackgroundCall,
    readonly thisArg: unknown,
    /** The call's arguments; undefined for a call with exactly one argument, which is `arg`. */
    readonly args: readonly unknown[] | undefined,
    readonly arg?: unknown,
  ) {
    super(BACKGROUND_RESOURCE, { requireManualDestroy: true });
  }

  /** The function's name, for reports. */
  get name(): string {
    return this.call.name;
  }

  /** The call's arguments as an array of its own (for a failure report, which a handler may keep). */
  argumentList(): unknown[] {
    return this.args === undefined ? [this.arg] : [...this.args];
  }
}

/**
 * A queued task's call, as a function of `this` (the task) with no arguments: what
 * `runInAsyncScope(runQueuedTask, task)` takes without an array or a closure per task.
 */
function runQueuedTask(this: QueuedTask): unknown {
  const { call, thisArg, args } = this;
  return args === undefined ? call.fn.call(thisArg, this.arg) : Reflect.apply(call.fn, thisArg, args);
}

/** popoto-ts's own housekeeping (see `scheduleHousekeeping`): outside the `maxPending` bound. */
export class HousekeepingTask extends QueuedTask {}

/** What the scheduler tells its registry when a task ends. */
export interface TaskOutcomes {
  completed(task: QueuedTask): void;
  failed(task: QueuedTask, error: unknown): void;
}

/**
 * Most background tasks running at once; the rest wait their turn (and count as pending).
 * Python starts a thread per call; here 100k calls would put 100k Redis commands in flight at
 * once, which is slower than a bounded number (see DEFAULT_CONCURRENCY) and can exhaust memory.
 */
const MAX_RUNNING = DEFAULT_CONCURRENCY;

/** Runs queued tasks, oldest first, at most MAX_RUNNING at once. */
export class BackgroundScheduler {
  readonly #outcomes: TaskOutcomes;
  /** Tasks scheduled during the current turn of the event loop: they may start from the next one. */
  #incoming: QueuedTask[] = [];
  /** Tasks that may start, oldest first, from `#readyHead` on. */
  #ready: (QueuedTask | undefined)[] = [];
  #readyHead = 0;
  #running = 0;
  readonly #admitIncoming = (): void => {
    const batch = this.#incoming;
    this.#incoming = [];
    if (this.#readyHead === this.#ready.length) {
      this.#ready = batch;
      this.#readyHead = 0;
    } else {
      for (const task of batch) this.#ready.push(task);
    }
    this.#startReady();
  };

  constructor(outcomes: TaskOutcomes) {
    this.#outcomes = outcomes;
  }

  /** Queues `task`; all tasks queued in one turn share a single `setImmediate`. */
  enqueue(task: QueuedTask): void {
    if (this.#incoming.push(task) === 1) setImmediate(this.#admitIncoming);
  }

  /** Starts ready tasks while fewer than MAX_RUNNING run; called again whenever one finishes. */
  #startReady(): void {
    while (this.#running < MAX_RUNNING && this.#readyHead < this.#ready.length) {
      const task = this.#ready[this.#readyHead]!;
      this.#ready[this.#readyHead++] = undefined;
      this.#start(task);
    }
    if (this.#readyHead === this.#ready.length) {
      this.#ready = [];
      this.#readyHead = 0;
    } else if (this.#readyHead > 4096 && this.#readyHead * 2 > this.#ready.length) {
      this.#ready = this.#ready.slice(this.#readyHead);
      this.#readyHead = 0;
    }
  }

  #start(task: QueuedTask): void {
    let result: unknown;
    try {
      result = task.runInAsyncScope(runQueuedTask, task);
    } catch (error) {
      this.#outcomes.failed(task, error);
      return;
    }
    if (!isThenable(result)) {
      this.#outcomes.completed(task);
      return;
    }
    this.#running++;
    // Two closures per task and nothing else: a burst keeps tens of thousands of tasks in
    // flight, and every object a task allocates here is young-generation GC work.
    try {
      result.then(
        () => this.#completed(task),
        (error: unknown) => this.#failed(task, error),
      );
    } catch (error) {
      this.#failed(task, error);
    }
  }

  #completed(task: QueuedTask): void {
    this.#running--;
    this.#outcomes.completed(task);
    this.#startReady();
  }

  #failed(task: QueuedTask, error: unknown): void {
    this.#running--;
    this.#outcomes.failed(task, error);
    this.#startReady();
  }
}

/** Reports `result`'s outcome once it settles; a `then` that throws is a failure. */
export function settleWhenDone(
  result: PromiseLike<unknown>,
  on: { completed: () => void; failed: (error: unknown) => void },
): void {
  try {
    result.then(
      () => on.completed(),
      (error: unknown) => on.failed(error),
    );
  } catch (error) {
    on.failed(error);
  }
}
