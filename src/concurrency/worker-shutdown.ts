// The shutdown protocol between a ThreadPool and its threads: the pool posts `{ t: 'close' }` to
// each live thread, which closes its popoto-ts/redis connection (the hook thread-worker.ts runs)
// and answers `{ t: 'closed' }`; the pool waits for every answer, or for the thread's exit, but
// never longer than CLOSE_RESOURCES_TIMEOUT_MS, then ends the threads.
import type { WorkerHandle } from './pool-worker.js';
import type { ToWorker } from './thread-protocol.js';

/** How long close() waits for the workers to close their connections before ending them anyway. */
const CLOSE_RESOURCES_TIMEOUT_MS = 5000;

/** One pool's side of the handshake. */
export class ShutdownHandshake {
  #onAnswer: (() => void) | undefined;

  /** A thread answered `closed`, or exited: the wait may be over. */
  answered(): void {
    this.#onAnswer?.();
  }

  /** Asks every live worker to close its Redis connection, and waits for the answers (bounded). */
  async closeResources(workers: readonly WorkerHandle[]): Promise<void> {
    const waiting = workers.filter((w) => !w.exited && w.ending === undefined);
    if (waiting.length === 0) return;
    for (const worker of waiting) worker.worker.postMessage({ t: 'close' } satisfies ToWorker);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, CLOSE_RESOURCES_TIMEOUT_MS);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#onAnswer = () => {
        if (waiting.every((w) => w.resourcesClosed || w.exited)) done();
      };
      this.#onAnswer();
    });
    this.#onAnswer = undefined;
  }
}

/**
 * Keeps the process alive until `closing` settles: the caller awaits it, and idle threads are
 * unref'd, so without a referenced handle the process could exit in the middle of a close.
 */
export async function keepAliveWhile(closing: Promise<void>): Promise<void> {
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    await closing;
  } finally {
    clearInterval(keepAlive);
  }
}
