// What a ThreadPool and its worker threads tell each other. Tasks travel in chunks: one message
// carries several params, one message brings several outcomes back. Each task dispatched to a
// worker has a sequence number, consecutive per worker, and a state word in memory both threads
// share (`states[seq % STATE_SLOTS]`), so a cancellation reaches the worker without a message
// while the task waits, and the pool knows how far a worker got if it dies.
import type { MessagePort } from 'node:worker_threads';

/** Key of the pool's settings in the worker's `workerData`. */
export const WORKER_CONFIG_KEY = 'popoto-ts.thread-pool';

/**
 * State words per worker: the most tasks a worker may hold at once (the pool sends no more).
 * Slots are reused round the ring, so a task's slot is free again once its outcome is back.
 */
export const STATE_SLOTS = 8192;

/** A task's state word. Only the transitions below happen, each by one side's compare-and-swap. */
export const TaskState = {
  /** Sent, not started. The worker takes it with QUEUED → STARTED; the pool cancels with QUEUED → CANCELLED. */
  QUEUED: 0,
  /** The worker runs it. */
  STARTED: 1,
  /** The worker finished it; its outcome is sent (or about to be). */
  DONE: 2,
  /** Cancelled before it started: the worker skips it. */
  CANCELLED: 3,
  /** Cancelled while it ran (STARTED → CANCEL_REQUESTED): the cancel message with the reason is on the control port. */
  CANCEL_REQUESTED: 4,
} as const;

/** Settings every worker of one pool receives. */
export interface WorkerConfig {
  /** URL of the caller's task module. */
  moduleUrl: string;
  /** Name of its export that is the task function. */
  exportName: string;
  /** The task state words, shared with the pool. */
  states: SharedArrayBuffer;
  /** The worker's end of its control channel (cancel messages). */
  control: MessagePort;
  /** Flush finished outcomes before starting another task once the oldest has waited this long. */
  flushMs: number;
}

/** Pool → worker, on the worker's own port. */
export type ToWorker =
  | {
      t: 'run';
      /** Sequence number of params[0]; the others follow. */
      seq: number;
      params: unknown[];
      /** Input index of each param (what the task function gets as `index`). */
      indices: number[];
      /** Attempt of each param, when any is not the first. */
      attempts: number[] | undefined;
      /**
       * Send each outcome as soon as it is ready (a run with a timeout): a task that never
       * yields must not hold the results of the tasks before it in the chunk.
       */
      eager: boolean;
    }
  | { t: 'close' };

/** How a task ended, in a `done` message. */
export const Outcome = {
  /** `values[i]` is the result. */
  OK: 0,
  /** `values[i]` is what it threw, encoded (thread-errors.ts). */
  THREW: 1,
  /** Cancelled before it started: it never ran. */
  SKIPPED: 2,
} as const;

/** Worker → pool. */
export type FromWorker =
  | {
      t: 'done';
      /** Sequence number of the first outcome; the others follow without gaps. */
      seq: number;
      values: unknown[];
      /** `Outcome` per task; absent when every one is OK. */
      kinds: number[] | undefined;
      /** Milliseconds the tasks that ran spent running, for chunk sizing. */
      busyMs: number;
      /** How many of the outcomes ran (the others were skipped). */
      ran: number;
    }
  | { t: 'ready' }
  | { t: 'closed'; error: string | undefined };

/** Pool → worker, on the control port: a running task is cancelled, with this reason (encoded). */
export interface CancelMessage {
  seq: number;
  reason: unknown;
}
