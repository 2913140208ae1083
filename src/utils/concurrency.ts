/**
 * Default number of tasks in flight for `runAllMultithreaded` and `streamAllMultithreaded`.
 *
 * Python Popoto sizes its pool by CPU count, which is the measure for CPU work, not for I/O:
 * on a 2-core machine only 2 Redis requests are ever in flight. For I/O on one event loop the
 * limit that matters is how many requests a connection can keep in the pipe before per-request
 * bookkeeping costs more than the round trips it hides. Measured by `npm run bench` (bulk GET,
 * 200k keys, 100-byte values, one ioredis client, 2-core machine): throughput climbs steeply
 * up to 128, is flat from 128 to 1024 and falls beyond (see the README for the figures).
 * 256 sits in the middle of the plateau.
 */
export const DEFAULT_CONCURRENCY = 256;
