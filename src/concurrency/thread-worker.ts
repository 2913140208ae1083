// The entry of every ThreadPool worker thread. It loads the caller's task module once, then runs
// the chunks of tasks the pool sends, one task at a time in order, and sends their outcomes back
// in as few messages as it can: once a chunk is done, or before starting a task when the oldest
// unsent outcome has waited `flushMs`. A task the pool cancelled before it started is skipped
// (its state word says so); a running task's `task.signal` fires when the pool cancels it, even
// inside a loop that never yields (see `TaskSignal`). It must not fail to load itself.
import { performance } from 'node:perf_hooks';
import { parentPort, receiveMessageOnPort, type TransferListItem, workerData } from 'node:worker_threads';
import { messageOf } from '../utils/errors.js';
import { runWorkerExitHooks } from './worker-exit.js';
import { decodeThrown, encodeThrown, uncloneableResult } from './thread-errors.js';
import {
  type CancelMessage,
  type FromWorker,
  Outcome,
  STATE_SLOTS,
  TaskState,
  type ToWorker,
  WORKER_CONFIG_KEY,
  type WorkerConfig,
} from './thread-protocol.js';
import { ensureTsLoader, isTypeScriptUrl } from './thread-modules.js';
import { markedTransfer } from './transfer.js';
import type { TaskContext } from './task-context.js';

type TaskFunction = (param: unknown, index: number, task: TaskContext) => unknown;

const settings = (workerData as Record<string, WorkerConfig>)[WORKER_CONFIG_KEY]!;
const control = settings.control;
const states = new Int32Array(settings.states);
const port = parentPort!;

/** Chunks received and not finished, oldest first; `next` is the position of the next task to run in the first. */
const chunks: Extract<ToWorker, { t: 'run' }>[] = [];
let next = 0;
let draining = false;

/** Outcomes not sent yet: consecutive sequence numbers from `pendingSeq`. */
let pendingSeq = 0;
let pendingValues: unknown[] = [];
let pendingKinds: number[] | undefined;
let pendingTransfer: TransferListItem[] | undefined;
let pendingSince = 0;
let busyMs = 0;
let ran = 0;
/** Sends what is pending while a task awaits (a timer cannot fire during synchronous work). */
let flushTimer: NodeJS.Timeout | undefined;

/** The running task's sequence number and, once its signal was asked for, its controller. */
let current: { seq: number; controller: AbortController | undefined; aborted: boolean; reason: unknown } | undefined;

let taskFunction: TaskFunction | undefined;
let loadError: unknown;
const loading = loadTaskFunction().then(
  (fn) => (taskFunction = fn),
  (error: unknown) => (loadError = error),
);

port.on('message', (message: ToWorker) => {
  if (message.t === 'run') {
    chunks.push(message);
    if (!draining) void drain();
  } else {
    void runWorkerExitHooks().then((failures) =>
      port.postMessage({
        t: 'closed',
        error: failures.length > 0 ? failures.join('; ') : undefined,
      } satisfies FromWorker),
    );
  }
});
control.on('message', (message: CancelMessage) => applyCancel(message));
// A worker that waits for work must not keep the process alive; the pool holds it while it has tasks.
control.unref();

// A task that calls process.exit(), or an uncaught exception: what finished before is sent
// first, so that only the task that was running fails.
process.on('exit', () => flush());
port.postMessage({ t: 'ready' } satisfies FromWorker);

async function drain(): Promise<void> {
  draining = true;
  if (taskFunction === undefined && loadError === undefined) await loading;
  try {
    while (chunks.length > 0) {
      const chunk = chunks[0]!;
      while (next < chunk.params.length) {
        const seq = chunk.seq + next;
        const param = chunk.params[next];
        const index = chunk.indices[next]!;
        const attempt = chunk.attempts?.[next] ?? 1;
        next++;
        if (
          Atomics.compareExchange(states, seq % STATE_SLOTS, TaskState.QUEUED, TaskState.STARTED) !== TaskState.QUEUED
        ) {
          record(seq, Outcome.SKIPPED, undefined);
          continue;
        }
        if (pendingValues.length > 0 && performance.now() - pendingSince >= settings.flushMs) flush();
        await runOne(seq, param, index, attempt);
        if (chunk.eager) flush();
      }
      chunks.shift();
      next = 0;
      flush();
    }
  } finally {
    draining = false;
  }
}

async function runOne(seq: number, param: unknown, index: number, attempt: number): Promise<void> {
  const started = performance.now();
  const task = { seq, controller: undefined, aborted: false, reason: undefined };
  current = task;
  let kind: number = Outcome.OK;
  let value: unknown;
  try {
    if (taskFunction === undefined) throw loadError;
    value = taskFunction(param, index, new WorkerTaskContext(task, index, attempt));
    if (typeof (value as PromiseLike<unknown> | null)?.then === 'function') value = await value;
  } catch (error) {
    kind = Outcome.THREW;
    value = encodeThrown(error);
  }
  current = undefined;
  Atomics.store(states, seq % STATE_SLOTS, TaskState.DONE);
  busyMs += performance.now() - started;
  ran++;
  record(seq, kind, value);
}

function record(seq: number, kind: number, value: unknown): void {
  if (pendingValues.length === 0) {
    pendingSeq = seq;
    pendingSince = performance.now();
    flushTimer ??= setTimeout(flush, settings.flushMs);
  }
  if (kind === Outcome.OK) {
    const marked = markedTransfer(value);
    if (marked !== undefined) {
      value = marked.value;
      (pendingTransfer ??= []).push(...(marked.transferList as unknown as TransferListItem[]));
    }
  }
  if (kind !== Outcome.OK || pendingKinds !== undefined) {
    pendingKinds ??= pendingValues.map(() => Outcome.OK);
    pendingKinds.push(kind);
  }
  pendingValues.push(value);
}

/** Sends the outcomes not sent yet, in one message; results that cannot be cloned fail alone. */
function flush(): void {
  if (flushTimer !== undefined) {
    clearTimeout(flushTimer);
    flushTimer = undefined;
  }
  if (pendingValues.length === 0) return;
  const message: FromWorker = { t: 'done', seq: pendingSeq, values: pendingValues, kinds: pendingKinds, busyMs, ran };
  const transfer = pendingTransfer;
  pendingValues = [];
  pendingKinds = undefined;
  pendingTransfer = undefined;
  busyMs = 0;
  ran = 0;
  try {
    port.postMessage(message, transfer);
  } catch {
    // Only now, on failure, is each result looked at: the one that cannot be cloned becomes
    // its task's TypeError, naming the part, and the others go as they are.
    const kinds = message.kinds ?? message.values.map(() => Outcome.OK);
    for (let i = 0; i < message.values.length; i++) {
      if (kinds[i] !== Outcome.OK) continue;
      const problem = uncloneableResult(message.values[i], transfer);
      if (problem !== undefined) {
        kinds[i] = Outcome.THREW;
        message.values[i] = encodeThrown(problem);
      }
    }
    message.kinds = kinds;
    try {
      port.postMessage(message, transfer);
    } catch (error) {
      // Something the search did not pin down (a transfer list naming one buffer twice, say):
      // every task of the message fails with it, rather than the worker with all of them.
      const failure = encodeThrown(
        new TypeError(`the task's result cannot be sent back from its worker thread: ${messageOf(error)}`, {
          cause: error,
        }),
      );
      port.postMessage({
        ...message,
        values: message.values.map(() => failure),
        kinds: kinds.map(() => Outcome.THREW),
      });
    }
  }
}

/** The pool cancelled a task while it ran: its signal fires with the pool's reason. */
function applyCancel({ seq, reason }: CancelMessage): void {
  // A cancel is sent only once its task has started, so one for another task is for a task
  // that has finished since: nothing to do.
  if (current?.seq === seq) abortCurrent(decodeThrown(reason));
}

function abortCurrent(reason: unknown): void {
  if (current === undefined || current.aborted) return;
  current.aborted = true;
  current.reason = reason;
  current.controller?.abort(reason);
}

/**
 * Reads the running task's state word: once the pool has asked to cancel it, takes the cancel
 * message off the control port at once (no event-loop turn needed) and aborts the signal.
 */
function pollCancel(task: NonNullable<typeof current>): void {
  if (task.aborted || Atomics.load(states, task.seq % STATE_SLOTS) !== TaskState.CANCEL_REQUESTED) return;
  for (let received = receiveMessageOnPort(control); received !== undefined; received = receiveMessageOnPort(control)) {
    applyCancel(received.message as CancelMessage);
    if (task.aborted) return;
  }
}

/**
 * The `task` a task function receives in a worker: `index`, `attempt`, and a `signal` that
 * fires when the pool cancels the task (the run's abort, its timeout, an abandoned run). The
 * signal is made on first use; its `aborted` and `throwIfAborted()` read the shared state word,
 * so a synchronous loop that checks them stops when asked, without waiting for a message.
 */
class WorkerTaskContext implements TaskContext {
  #signal: AbortSignal | undefined;

  constructor(
    private readonly task: NonNullable<typeof current>,
    readonly index: number,
    readonly attempt: number,
  ) {}

  get signal(): AbortSignal {
    if (this.#signal !== undefined) return this.#signal;
    const task = this.task;
    const controller = new AbortController();
    task.controller = controller;
    if (task.aborted) controller.abort(task.reason);
    const signal = controller.signal;
    Object.defineProperties(signal, {
      aborted: {
        get(): boolean {
          if (current === task) pollCancel(task);
          return task.aborted;
        },
      },
      throwIfAborted: {
        value(): void {
          if (current === task) pollCancel(task);
          AbortSignal.prototype.throwIfAborted.call(signal);
        },
      },
    });
    if (current === task) pollCancel(task);
    this.#signal = signal;
    return signal;
  }
}

/** Imports the task module; a failure fails every task with the same error, never a hang. */
async function loadTaskFunction(): Promise<TaskFunction> {
  const { moduleUrl, exportName } = settings;
  if (isTypeScriptUrl(moduleUrl)) await ensureTsLoader(moduleUrl);
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(moduleUrl)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' && messageOf(error).includes(moduleUrl)) {
      throw new TypeError(`taskModuleUrl could not be loaded: no module at ${moduleUrl}`, { cause: error });
    }
    throw error;
  }
  const fn = namespace[exportName];
  if (typeof fn !== 'function') {
    const exported = Object.keys(namespace);
    throw new TypeError(
      `taskModuleUrl ${moduleUrl} has no function export ${JSON.stringify(exportName)} ` +
        `(${exported.length === 0 ? 'it exports nothing' : `its exports: ${exported.join(', ')}`}); ` +
        'export the task function as default, or name it with the exportName option',
    );
  }
  return fn as TaskFunction;
}
