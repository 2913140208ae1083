/**
 * Default number of tasks in flight for `runAllMultithreaded` and `streamAllMultithreaded`: 1024.
 *
 * Rule: for I/O, size by what keeps both the client and Redis busy, not by CPU count. Python
 * Popoto runs a fixed thread pool (`min(len(params), cpu_count)` in the helper this package
 * follows, 16 threads in Popoto 0.8.3), the measure for CPU work: on a 2-core machine only that
 * many Redis requests are ever in flight. On one event loop the limit is how much work must be in
 * flight so that Redis is answering one batch while the client handles the previous one, before
 * per-request bookkeeping costs more than the round trips it hides. The value is the one that
 * reaches at least 90% of the best fixed concurrency on every `npm run bench` workload that runs
 * through runAllMultithreaded (and never more tasks than there are params).
 *
 * Figures (2-core machine, Redis 7 on loopback, one auto-pipelined ioredis client, ops/s, median
 * of 5 rounds; `npm run bench` prints both sweeps on every run):
 *
 * | concurrency | bulk GET 200k keys | model get 100k records |
 * | ---: | ---: | ---: |
 * | 512 | 268k ops/s (0.99) | 265k (0.98) |
 * | 1024 | 270k (1.00) | 261k (0.97) |
 * | 2048 | 254k (0.94) | 265k (0.98) |
 * | 4096 | 213k (0.79, measured outside the bench sweep) | 270k (1.00) |
 *
 * Plain GETs peak at 512–1024 and fall beyond; model reads are flat from 512 up. 1024 is at
 * the top of both.
 */
export const DEFAULT_CONCURRENCY = 1024;
