// How many tasks a ThreadPool hands a thread at once, and how many a run keeps in flight: the
// one rule, read by the pool before its threads are loaded and by the threads' scheduler after.

/** Aim for chunks that keep a worker busy this long: the main thread's share of a hand-off (~0.1–0.2 ms) stays ~1%. */
export const CHUNK_TARGET_MS = 10;
/** Most tasks in one chunk. */
export const MAX_CHUNK_SIZE = 1024;

/** Tasks per chunk: `fixed` when set, else sized from the measured ms per task (1 until measured). */
export function chunkSizeFor(fixed: number | undefined, msPerTask: number | undefined): number {
  if (fixed !== undefined) return fixed;
  if (msPerTask === undefined) return 1;
  return Math.max(1, Math.min(MAX_CHUNK_SIZE, Math.floor(CHUNK_TARGET_MS / Math.max(msPerTask, 1e-3))));
}

/**
 * How many tasks a run should keep in flight to keep every thread fed: two chunks per thread
 * (one running, one waiting in the worker) and one more being gathered.
 */
export function windowFor(chunkSize: number, maxThreads: number): number {
  return chunkSize * maxThreads * 3;
}
