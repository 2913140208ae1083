/**
 * Default number of tasks in flight for `runAllMultithreaded` and `streamAllMultithreaded`: 2048.
 *
 * Rule: for I/O, size by what keeps both the client and Redis busy, not by CPU count. Python
 * Popoto uses `min(len(params), cpu_count)`, the measure for CPU work: on a 2-core machine only
 * 2 Redis requests are ever in flight. On one event loop the limit is how much work must be in
 * flight so that Redis is answering one batch while the client decodes the previous one, before
 * per-request bookkeeping costs more than the round trips it hides. The value is the one that
 * reaches at least 90% of the best fixed concurrency on every `npm run bench` workload that
 * runs through runAllMultithreaded.
 *
 * Figures (2-core machine, Redis 7 on loopback, one auto-pipelined ioredis client, median of 5):
 *
 * | concurrency | bulk GET 200k keys | model get 100k records |
 * | ---: | ---: | ---: |
 * | 512 | 280k ops/s (1.00) | 217k (0.82) |
 * | 1024 | 268k (0.96) | 231k (0.87) |
 * | 2048 | 260k (0.93) | 265k (1.00) |
 * | 4096 | 219k (0.78) | 239k (0.90) |
 *
 * Plain GETs peak at 512–1024; model reads, which decode and build instances between round
 * trips, need more in flight to keep Redis busy; 2048 is the one value at or above 0.9 of the
 * best on both. It never exceeds the number of params: a task starts only for an input that exists.
 */
export const DEFAULT_CONCURRENCY = 2048;
