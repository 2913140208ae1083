/**
 * Default number of tasks in flight for `runAllMultithreaded` and `streamAllMultithreaded`: 512.
 *
 * Rule: for I/O, size by what one connection can keep in the pipe, not by CPU count. Python
 * Popoto uses `min(len(params), cpu_count)`, the measure for CPU work: on a 2-core machine only
 * 2 Redis requests are ever in flight. On one event loop the limit that matters is how many
 * requests a connection keeps in flight before per-request bookkeeping costs more than the
 * round trips it hides.
 *
 * Figures (`npm run bench`, bulk GET of 200k keys with 100-byte values on one auto-pipelined
 * ioredis client, Redis 7 on loopback, 2-core machine; ops/s, best of 3, three runs):
 * c=16 ≈ 130–145k, c=64 ≈ 210–250k, c=128 ≈ 240–280k, c=256 ≈ 255–295k, c=512 ≈ 260–313k,
 * c=1024 ≈ 260–319k, c=2048 ≈ 255–260k, c=4096 ≈ 230–260k. Throughput is flat from 512 to
 * 1024 and falls on either side; 512 is the smaller end of the plateau (less memory held
 * per run) and measured 0.98–1.01× the best fixed value.
 * It never exceeds the number of params: a task starts only for an input that exists.
 */
export const DEFAULT_CONCURRENCY = 512;
