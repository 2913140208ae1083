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
 * `npm run bench` sweeps concurrency for bulk GETs and model reads on every run (bench/report
 * holds the figures): plain GETs peak around 512–1024 and fall beyond, model reads stay flat
 * from 512 up, so 1024 sits at the top of both.
 */
export const DEFAULT_CONCURRENCY = 1024;
