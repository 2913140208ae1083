// One thread of a ThreadPool as the pool sees it: the Worker, its control port (cancel
// messages), its task state words, and the tasks sent to it and not answered yet, in sequence
// order. worker-pool.ts schedules; this file starts a thread and keeps its bookkeeping.
import { MessageChannel, type MessagePort, type ResourceLimits, Worker } from 'node:worker_threads';
import { type FromWorker, STATE_SLOTS, WORKER_CONFIG_KEY, type WorkerConfig } from './thread-protocol.js';
import { workerEntry } from './thread-modules.js';
import type { ThreadTransferable } from './worker-types.js';

/** A group of tasks cancelled together: one run. */
export interface TaskGroup {
  /** Set once the group is cancelled. */
  cancelled: { reason: unknown } | undefined;
}

/** What the pool needs to know of one task. */
export interface TaskSpec {
  param: unknown;
  /** Input index (what the worker's task function gets as `index`). */
  index: number;
  attempt: number;
  /** The task's name in errors: `task 3`, `the task`. */
  label: string;
  transfer: readonly ThreadTransferable[] | undefined;
  group: TaskGroup | undefined;
  /** Cancels this task alone (its timeout, a `run` caller's signal). */
  signal: AbortSignal | undefined;
  /** Tasks per chunk asked for by the task's run; undefined: the pool's. */
  chunkSize: number | undefined;
  /** Its outcome comes back on its own, as soon as it is ready (a run with a timeout). */
  eager: boolean;
}

/** Where a task is: in the pool's queue, sent to a thread, or settled. */
export const QUEUED = 0;
export const SENT = 1;
export const SETTLED = 2;

/** A task in the pool: what it is, where it is, and how to settle it. */
export class PoolTask {
  state: number = QUEUED;
  worker: WorkerHandle | undefined = undefined;
  seq = 0;
  onAbort: (() => void) | undefined = undefined;

  constructor(
    readonly spec: TaskSpec,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: unknown) => void,
  ) {}
}

/** One thread of the pool, and the tasks it holds. */
export class WorkerHandle {
  /** Tasks sent and not answered, by sequence number from `headSeq`. */
  readonly sent: (PoolTask | undefined)[] = [];
  head = 0;
  headSeq = 0;
  nextSeq = 0;
  /** Set by the 'error' event: the uncaught error the thread dies of. */
  error: unknown = undefined;
  /** Why the pool ends this worker, if it does. */
  ending: 'grace' | 'idle' | 'close' | undefined = undefined;
  graceTimer: NodeJS.Timeout | undefined = undefined;
  idleTimer: NodeJS.Timeout | undefined = undefined;
  exited = false;
  /** Set by the worker's first message: its entry module loaded. */
  ready = false;
  resourcesClosed = false;
  readonly exit: Promise<void>;
  #onExit!: () => void;

  constructor(
    readonly worker: Worker,
    readonly control: MessagePort,
    readonly states: Int32Array,
  ) {
    this.exit = new Promise((resolve) => (this.#onExit = resolve));
  }

  get load(): number {
    return this.sent.length - this.head;
  }

  markExited(): void {
    this.exited = true;
    this.#onExit();
  }
}

/** What a thread is started with. */
export interface WorkerStart {
  moduleUrl: string;
  exportName: string;
  env: Record<string, string | undefined> | undefined;
  resourceLimits: ResourceLimits | undefined;
  flushMs: number;
}

/**
 * Starts a thread on the pool's worker entry, with its state words and control port. It does
 * not keep the process alive while idle (the pool refs it while it holds tasks); its uncaught
 * error, if it dies of one, is kept on the handle for the exit handler.
 */
export function startWorker(
  start: WorkerStart,
  on: { message: (message: FromWorker) => void; exit: (code: number) => void },
): WorkerHandle {
  const { port1, port2 } = new MessageChannel();
  const states = new Int32Array(new SharedArrayBuffer(4 * STATE_SLOTS));
  const { filename, execArgv } = workerEntry();
  const config: WorkerConfig = {
    moduleUrl: start.moduleUrl,
    exportName: start.exportName,
    states: states.buffer,
    control: port2,
    flushMs: start.flushMs,
  };
  const worker = new Worker(filename, {
    workerData: { [WORKER_CONFIG_KEY]: config },
    transferList: [port2],
    env: start.env,
    resourceLimits: start.resourceLimits,
    execArgv,
  });
  const handle = new WorkerHandle(worker, port1, states);
  worker.on('message', on.message);
  worker.on('error', (error: unknown) => (handle.error ??= error));
  worker.on('exit', on.exit);
  worker.unref();
  port1.unref();
  return handle;
}
