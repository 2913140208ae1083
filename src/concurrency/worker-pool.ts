// The worker threads under a ThreadPool and the hand-offs to them. Tasks wait in one queue;
// each worker is sent a chunk of them at a time (several params in one message, several
// outcomes back in one), and is sent the next chunk while it runs the current one, so it never
// waits for the main thread between tasks. Chunks are sized from the task time the workers
// measure. Cancelling a task writes its state word (thread-protocol.ts): a task that has not
// started is skipped where it waits, a running one sees its signal fire; only a running task
// that ignores its signal past the grace period costs its worker. A worker that dies fails the
// task it was running; the tasks it had not started go to another worker.
import type { ResourceLimits } from 'node:worker_threads';
import { messageOf } from '../utils/errors.js';
import type { BackgroundTasks } from './background-registry.js';
import { CHUNK_TARGET_MS, chunkSizeFor } from './chunk-size.js';
import { describeUncloneable } from './cloneable.js';
import {
  closedPoolError,
  crashError,
  decodeThrown,
  encodeThrown,
  ThreadCleanupError,
  ThreadCrashError,
  ThreadPoolClosedError,
} from './thread-errors.js';
import {
  PoolTask,
  QUEUED,
  SENT,
  SETTLED,
  startWorker,
  type TaskGroup,
  type TaskSpec,
  type WorkerHandle,
} from './pool-worker.js';
import { ShutdownHandshake } from './worker-shutdown.js';
import { type FromWorker, Outcome, STATE_SLOTS, TaskState, type ToWorker } from './thread-protocol.js';
import type { ThreadTransferable } from './worker-types.js';

export type { TaskGroup, TaskSpec } from './pool-worker.js';

/** How long a worker holds finished outcomes before sending them, while it goes on with its chunk. */
const FLUSH_MS = CHUNK_TARGET_MS;

/** Settings of a WorkerPool (ThreadPool's options, checked). */
export interface WorkerPoolSettings {
  name: string;
  moduleUrl: string;
  exportName: string;
  maxThreads: number;
  minThreads: number;
  idleTimeoutMs: number;
  cancelGraceMs: number;
  chunkSize: number | undefined;
  env: Record<string, string | undefined> | undefined;
  resourceLimits: ResourceLimits | undefined;
  /** Where errors outside any task (a worker's failed clean-up, say) are reported. */
  tasks: BackgroundTasks;
}

/** The threads of one ThreadPool, its queue, and the hand-offs between them. */
export class WorkerPool {
  readonly #settings: WorkerPoolSettings;
  readonly #workers: WorkerHandle[] = [];
  #queue: (PoolTask | undefined)[] = [];
  #queueHead = 0;
  #dispatchScheduled = false;
  /** Tasks submitted and not settled: close() waits for them. */
  #pending = 0;
  #onIdle: (() => void) | undefined;
  /** Measured ms per task (moving average), undefined until the first outcomes. */
  #msPerTask: number | undefined;
  #closing = false;
  readonly #handshake = new ShutdownHandshake();

  constructor(settings: WorkerPoolSettings) {
    this.#settings = settings;
    for (let i = 0; i < settings.minThreads; i++) this.#spawn();
  }

  /** Tasks per chunk: `fixed` (a run's), else the pool's `chunkSize`, else sized from the measured task time. */
  chunkSize(fixed?: number): number {
    return chunkSizeFor(fixed ?? this.#settings.chunkSize, this.#msPerTask);
  }

  /** Throws once close() has been called: the pool takes no new task. */
  assertOpen(): void {
    if (this.#closing) throw closedPoolError(this.#settings.name);
  }

  /** Queues one task; the promise settles with its result or error (a closed pool's error once close() was called). */
  submit(spec: TaskSpec): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.assertOpen();
      const task = new PoolTask(spec, resolve, reject);
      if (spec.group?.cancelled !== undefined) {
        reject(spec.group.cancelled.reason);
        return;
      }
      if (spec.signal !== undefined) {
        const signal = spec.signal;
        if (signal.aborted) {
          reject(signal.reason);
          return;
        }
        task.onAbort = () => this.#cancel(task, signal.reason);
        signal.addEventListener('abort', task.onAbort, { once: true });
      }
      this.#pending++;
      this.#queue.push(task);
      this.#scheduleDispatch();
    });
  }

  /** Cancels every unsettled task of `group` with `reason`. */
  cancelGroup(group: TaskGroup, reason: unknown): void {
    if (group.cancelled !== undefined) return;
    group.cancelled = { reason };
    for (let i = this.#queueHead; i < this.#queue.length; i++) {
      const task = this.#queue[i];
      if (task?.spec.group === group) this.#cancel(task, reason);
    }
    for (const worker of this.#workers) {
      for (let i = worker.head; i < worker.sent.length; i++) {
        const task = worker.sent[i];
        if (task?.spec.group === group) this.#cancel(task, reason);
      }
    }
  }

  /**
   * Waits for every submitted task (at most `timeoutMs`: then the workers still running one are
   * terminated and their tasks fail), closes each worker's Redis connection, ends the threads.
   */
  async close(timeoutMs: number | undefined): Promise<void> {
    this.#closing = true;
    if (this.#pending > 0) {
      const idle = new Promise<void>((resolve) => (this.#onIdle = resolve));
      if (timeoutMs === undefined) {
        await idle;
      } else {
        let timer: NodeJS.Timeout | undefined;
        const expired = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)));
        const timedOut = await Promise.race([idle.then(() => false), expired]);
        clearTimeout(timer);
        if (timedOut) this.#abandonAll(timeoutMs);
      }
    }
    await this.#handshake.closeResources(this.#workers);
    for (const worker of this.#workers) {
      worker.ending ??= 'close';
      void worker.worker.terminate();
    }
    await Promise.all(this.#workers.map((worker) => worker.exit));
  }

  #scheduleDispatch(): void {
    if (this.#dispatchScheduled) return;
    this.#dispatchScheduled = true;
    // Tasks submitted in the same turn (a run filling its window) go out together.
    queueMicrotask(() => {
      this.#dispatchScheduled = false;
      this.#dispatch();
    });
  }

  #queued(): number {
    return this.#queue.length - this.#queueHead;
  }

  /** Sends chunks while a worker has room for one: each worker holds at most two. */
  #dispatch(): void {
    while (this.#queued() > 0) {
      const head = this.#queue[this.#queueHead];
      if (head === undefined || head.state !== QUEUED) {
        this.#queue[this.#queueHead++] = undefined;
        continue;
      }
      const size = this.chunkSize(head.spec.chunkSize);
      let target: WorkerHandle | undefined;
      for (const worker of this.#workers) {
        if (worker.ending === undefined && (target === undefined || worker.load < target.load)) target = worker;
      }
      if ((target === undefined || target.load > 0) && this.#workers.length < this.#settings.maxThreads) {
        target = this.#spawn();
      }
      if (target === undefined || target.load > size) break;
      // Near the end of the queue, chunks shrink so that every thread gets a share of the tail.
      const share = Math.ceil(this.#queued() / this.#settings.maxThreads);
      this.#send(target, this.#take(Math.max(1, Math.min(size, share))));
    }
    this.#compactQueue();
  }

  /** Takes up to `count` live tasks off the front of the queue. */
  #take(count: number): PoolTask[] {
    const tasks: PoolTask[] = [];
    while (tasks.length < count && this.#queueHead < this.#queue.length) {
      const task = this.#queue[this.#queueHead];
      this.#queue[this.#queueHead++] = undefined;
      if (task !== undefined && task.state === QUEUED) tasks.push(task);
    }
    return tasks;
  }

  #compactQueue(): void {
    if (this.#queueHead === this.#queue.length) {
      this.#queue = [];
      this.#queueHead = 0;
    } else if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#queueHead);
      this.#queueHead = 0;
    }
  }

  /** Posts one chunk; a param the clone refuses fails its task alone with a TypeError naming it. */
  #send(worker: WorkerHandle, tasks: PoolTask[]): void {
    if (tasks.length === 0) return;
    const params = new Array<unknown>(tasks.length);
    const indices = new Array<number>(tasks.length);
    let attempts: number[] | undefined;
    let transfer: ThreadTransferable[] | undefined;
    let eager = false;
    for (let i = 0; i < tasks.length; i++) {
      const { spec } = tasks[i]!;
      eager ||= spec.eager;
      params[i] = spec.param;
      indices[i] = spec.index;
      if (spec.attempt !== 1) (attempts ??= tasks.map(() => 1))[i] = spec.attempt;
      if (spec.transfer !== undefined && spec.transfer.length > 0) (transfer ??= []).push(...spec.transfer);
    }
    const seq = worker.nextSeq;
    const message: ToWorker = { t: 'run', seq, params, indices, attempts, eager };
    for (let i = 0; i < tasks.length; i++) Atomics.store(worker.states, (seq + i) % STATE_SLOTS, TaskState.QUEUED);
    try {
      worker.worker.postMessage(message, transfer as never);
    } catch (error) {
      this.#sendApart(worker, tasks, error);
      return;
    }
    if (worker.load === 0) {
      worker.worker.ref();
      clearTimeout(worker.idleTimer);
    }
    worker.nextSeq += tasks.length;
    for (let i = 0; i < tasks.length; i++) {
      const task = tasks[i]!;
      task.state = SENT;
      task.worker = worker;
      task.seq = seq + i;
      worker.sent.push(task);
    }
  }

  /** A chunk the clone refused: each task goes on its own, and the one to blame fails with a TypeError naming the part. */
  #sendApart(worker: WorkerHandle, tasks: PoolTask[], error: unknown): void {
    if (tasks.length > 1) {
      for (const task of tasks) this.#send(worker, [task]);
      return;
    }
    const task = tasks[0]!;
    const { label, param, transfer } = task.spec;
    const name = label === 'the task' || label === 'the background task' ? 'param' : `params[${task.spec.index}]`;
    const problem = describeUncloneable(param, name, transfer) ?? `${name} ${messageOf(error)}`;
    this.#fail(task, new TypeError(`${name} cannot be sent to a worker thread: ${problem}`, { cause: error }));
  }

  #spawn(): WorkerHandle {
    const { moduleUrl, exportName, env, resourceLimits } = this.#settings;
    const handle = startWorker(
      { moduleUrl, exportName, env, resourceLimits, flushMs: FLUSH_MS },
      {
        message: (message) => this.#onMessage(handle, message),
        exit: (code) => this.#onExit(handle, code),
      },
    );
    this.#workers.push(handle);
    return handle;
  }

  #onMessage(worker: WorkerHandle, message: FromWorker): void {
    worker.ready = true;
    if (message.t === 'ready') {
      // A thread started while the queue was empty (a replacement, see #helpWaiting): it takes
      // over tasks waiting behind a long one on another thread.
      if (worker.load === 0 && this.#queued() === 0) {
        this.#steal();
        this.#dispatch();
      }
      return;
    }
    if (message.t === 'closed') {
      worker.resourcesClosed = true;
      if (message.error !== undefined) {
        this.#settings.tasks.report(
          new ThreadCleanupError(`closing a worker thread's Redis connection failed: ${message.error}`),
          {
            name: `${this.#settings.name} close()`,
            args: [],
          },
        );
      }
      this.#handshake.answered();
      return;
    }
    const { values, kinds } = message;
    for (let i = 0; i < values.length; i++) {
      const task = worker.sent[worker.head];
      worker.sent[worker.head++] = undefined;
      worker.headSeq++;
      if (task === undefined || task.state === SETTLED) continue;
      const kind = kinds === undefined ? Outcome.OK : kinds[i];
      if (kind === Outcome.OK) this.#fulfil(task, values[i]);
      else if (kind === Outcome.THREW) this.#fail(task, decodeThrown(values[i]));
    }
    if (worker.head > 1024 && worker.head * 2 > worker.sent.length) {
      worker.sent.splice(0, worker.head);
      worker.head = 0;
    }
    if (message.ran > 0) {
      const sample = message.busyMs / message.ran;
      this.#msPerTask = this.#msPerTask === undefined ? sample : this.#msPerTask * 0.7 + sample * 0.3;
    }
    if (worker.graceTimer !== undefined && !this.#runsCancelled(worker)) {
      clearTimeout(worker.graceTimer);
      worker.graceTimer = undefined;
    }
    if (worker.load === 0) {
      if (this.#queued() === 0) this.#steal();
      if (worker.load === 0 && this.#queued() === 0) this.#becameIdle(worker);
    }
    this.#dispatch();
  }

  /**
   * A worker ran out of work while the queue is empty: it takes over half the tasks another
   * worker holds and has not started (the tail of a run, or tasks waiting behind a long one).
   * Each is withdrawn with QUEUED → CANCELLED, so the other worker skips it; the two threads
   * never both run it.
   */
  #steal(): void {
    let victim: WorkerHandle | undefined;
    for (const worker of this.#workers) {
      if (worker.ending === undefined && worker.load > 0 && (victim === undefined || worker.load > victim.load)) {
        victim = worker;
      }
    }
    if (victim === undefined) return;
    const stolen: PoolTask[] = [];
    const want = Math.ceil(victim.load / 2);
    // From the back: the tasks the victim would reach last. The compare-and-swap fails on the
    // first one it has started, and everything before that has started too.
    for (let i = victim.sent.length - 1; i >= victim.head && stolen.length < want; i--) {
      const task = victim.sent[i];
      if (task === undefined || task.state !== SENT) continue;
      const slot = task.seq % STATE_SLOTS;
      if (Atomics.compareExchange(victim.states, slot, TaskState.QUEUED, TaskState.CANCELLED) !== TaskState.QUEUED)
        break;
      victim.sent[i] = undefined;
      task.state = QUEUED;
      task.worker = undefined;
      stolen.push(task);
    }
    if (stolen.length > 0) this.#queue.splice(this.#queueHead, 0, ...stolen.reverse());
  }

  /** True while the task the worker runs is one the pool has cancelled. */
  #runsCancelled(worker: WorkerHandle): boolean {
    for (let i = worker.head; i < worker.sent.length; i++) {
      const task = worker.sent[i];
      if (task === undefined) continue;
      const state = Atomics.load(worker.states, task.seq % STATE_SLOTS);
      if (state === TaskState.CANCEL_REQUESTED) return true;
      if (state !== TaskState.DONE && state !== TaskState.CANCELLED) return false;
    }
    return false;
  }

  #becameIdle(worker: WorkerHandle): void {
    worker.worker.unref();
    if (this.#closing || this.#workers.length <= this.#settings.minThreads) return;
    clearTimeout(worker.idleTimer);
    worker.idleTimer = setTimeout(() => {
      if (worker.load > 0 || worker.ending !== undefined || this.#workers.length <= this.#settings.minThreads) return;
      worker.ending = 'idle';
      void worker.worker.terminate();
    }, this.#settings.idleTimeoutMs);
    worker.idleTimer.unref();
  }

  #fulfil(task: PoolTask, value: unknown): void {
    if (!this.#claim(task)) return;
    task.resolve(value);
    this.#settled();
  }

  #fail(task: PoolTask, error: unknown): void {
    if (!this.#claim(task)) return;
    task.reject(error);
    this.#settled();
  }

  /** Marks `task` settled, once: false if it already was. */
  #claim(task: PoolTask): boolean {
    if (task.state === SETTLED) return false;
    task.state = SETTLED;
    if (task.onAbort !== undefined) task.spec.signal!.removeEventListener('abort', task.onAbort);
    return true;
  }

  /** One submitted task fewer: close() waits for none left. */
  #settled(): void {
    if (--this.#pending === 0) this.#onIdle?.();
  }

  /**
   * Cancels one task: it rejects with `reason` at once. Not started: its state word tells the
   * worker to skip it. Running: the worker is told (its signal fires), and if the task is still
   * running after the grace period, its worker is terminated.
   */
  #cancel(task: PoolTask, reason: unknown): void {
    if (task.state === SETTLED) return;
    const worker = task.worker;
    if (task.state === SENT && worker !== undefined && !worker.exited) {
      const slot = task.seq % STATE_SLOTS;
      const was = Atomics.compareExchange(worker.states, slot, TaskState.QUEUED, TaskState.CANCELLED);
      if (was === TaskState.STARTED) {
        // The message first: a worker that sees the new state word reads it at once.
        worker.control.postMessage({ seq: task.seq, reason: encodeThrown(reason) });
        Atomics.compareExchange(worker.states, slot, TaskState.STARTED, TaskState.CANCEL_REQUESTED);
        this.#watchGrace(worker, task.seq);
      }
    }
    this.#fail(task, reason);
  }

  /** Terminates `worker` if the task `seq` is still running `cancelGraceMs` after it was cancelled. */
  #watchGrace(worker: WorkerHandle, seq: number): void {
    clearTimeout(worker.graceTimer);
    worker.graceTimer = setTimeout(() => {
      worker.graceTimer = undefined;
      if (worker.exited || Atomics.load(worker.states, seq % STATE_SLOTS) !== TaskState.CANCEL_REQUESTED) return;
      worker.ending = 'grace';
      void worker.worker.terminate();
    }, this.#settings.cancelGraceMs);
    worker.graceTimer.unref();
  }

  #onExit(worker: WorkerHandle, exitCode: number): void {
    clearTimeout(worker.graceTimer);
    clearTimeout(worker.idleTimer);
    const at = this.#workers.indexOf(worker);
    if (at !== -1) this.#workers.splice(at, 1);
    const requeue: PoolTask[] = [];
    let crashed = false;
    for (let i = worker.head; i < worker.sent.length; i++) {
      const task = worker.sent[i];
      if (task === undefined || task.state === SETTLED) continue;
      const state = Atomics.load(worker.states, task.seq % STATE_SLOTS);
      if (state === TaskState.STARTED) {
        crashed = true;
        this.#fail(task, this.#endedUnder(worker, task, exitCode));
      } else if (!worker.ready) {
        // The thread could not even start (resourceLimits too small, say): another would fail alike.
        crashed = true;
        this.#fail(
          task,
          new ThreadCrashError(
            `${task.spec.label} failed: its worker thread could not start: ${messageOf(worker.error)}`,
            {
              exitCode,
              cause: worker.error,
            },
          ),
        );
      } else if (worker.ending === 'close') {
        this.#fail(task, this.#notStarted(task));
      } else {
        // Never started, or finished with its result lost with the thread (terminated): it runs again.
        task.state = QUEUED;
        task.worker = undefined;
        requeue.push(task);
      }
    }
    worker.sent.length = 0;
    worker.head = 0;
    worker.control.close();
    worker.markExited();
    if (requeue.length > 0) {
      this.#queue.splice(this.#queueHead, 0, ...requeue);
    }
    if (!crashed && worker.error !== undefined) {
      // The thread died of an error thrown outside any task (a timer left behind by one).
      this.#settings.tasks.report(worker.error, { name: `${this.#settings.name} worker thread`, args: [] });
    }
    this.#handshake.answered();
    if (this.#queued() > 0) this.#dispatch();
    else this.#helpWaiting();
  }

  /**
   * After a thread ended with the queue empty: tasks may wait behind a long one on another
   * thread (sent there while this one was ending), and no thread would ever report in to steal
   * them. A replacement is started for that; once ready it steals them (#onMessage).
   */
  #helpWaiting(): void {
    if (this.#closing || this.#workers.length >= this.#settings.maxThreads) return;
    if (this.#workers.some((worker) => worker.ending === undefined && worker.load > 1)) this.#spawn();
  }

  /** The error of a task that was running when its worker ended. */
  #endedUnder(worker: WorkerHandle, task: PoolTask, exitCode: number): unknown {
    if (worker.ending === 'close') {
      return new ThreadCrashError(
        `${task.spec.label} failed: ${this.#settings.name} was closed and its close() timeout passed while the task ran; its worker thread was terminated`,
        { cause: undefined },
      );
    }
    return worker.error !== undefined
      ? crashError(task.spec.label, undefined, worker.error)
      : crashError(task.spec.label, exitCode, undefined);
  }

  /** close()'s timeout passed: what is queued fails, workers running a task are terminated. */
  #abandonAll(timeoutMs: number): void {
    this.#closeTimeoutMs = timeoutMs;
    while (this.#queued() > 0) {
      const [task] = this.#take(1);
      if (task !== undefined) this.#fail(task, this.#notStarted(task));
    }
    for (const worker of this.#workers) {
      if (worker.load > 0) {
        worker.ending = 'close';
        void worker.worker.terminate();
      }
    }
  }

  #closeTimeoutMs = 0;

  #notStarted(task: PoolTask): ThreadPoolClosedError {
    return new ThreadPoolClosedError(
      `${task.spec.label} did not start: ${this.#settings.name} was closed and its close() timeout (${this.#closeTimeoutMs} ms) passed`,
    );
  }
}
