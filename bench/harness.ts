// Shared pieces of the benchmark: timing with repeated rounds, the Redis to run against,
// redis-benchmark as an external peer, and the report.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Redis, RedisOptions } from 'ioredis';
import { findOnPath } from '../src/redis/embedded-server.js';
import { deleteKeysUnder } from '../src/redis/index.js';

const execFileAsync = promisify(execFile);

/** Who a row measures: popoto-ts itself, a peer run side by side, or the Python original. */
export type Side = 'popoto-ts' | 'peer' | 'Python Popoto';

/** One printed row: a contender's throughput, with ratios against named peers. */
export interface Row {
  workload: string;
  contender: string;
  opsPerSec: number;
  note?: string;
  /** Default: popoto-ts when the contender starts with one of its functions' names, else a peer (see report.ts). */
  side?: Side;
}

/** A bar from DESIGN §7: `subject` must reach `min` × `peer`, or stay under `max` ×. */
export interface Bar {
  workload: string;
  description: string;
  ratio: number;
  min?: number;
  max?: number;
}

/** Everything a workload reports. */
export interface WorkloadResult {
  rows: Row[];
  bars: Bar[];
  notes?: string[];
}

/** A benchmark workload: sets up its data, measures, cleans up. */
export interface Workload {
  name: string;
  run(context: BenchContext): Promise<WorkloadResult>;
}

/** What every workload gets. */
export interface BenchContext {
  url: string;
  host: string;
  port: number;
  /**
   * Every key a workload writes starts with this run's prefix (`popoto-bench:<hex>:`): the bench
   * deletes exactly what it wrote, at the end and on Ctrl-C, and nothing else of the user's Redis.
   */
  namespace: string;
  /** A connection to the bench's Redis (auto-pipelined), closed at once on Ctrl-C. */
  client: (options?: RedisOptions) => Redis;
  /** Rounds per contender; the best round counts. */
  rounds: number;
  log: (message: string) => void;
}

/** The clients of a model workload: one under its own key prefix (the models'), one without. */
export interface PrefixedClients {
  keyPrefix: string;
  redis: Redis;
  plain: Redis;
}

/**
 * Runs a model workload's `body` with a client under `<namespace><name>:` and a plain one, then
 * deletes every key under that prefix and closes both, whatever happened.
 */
export async function withWorkloadKeys<T>(
  { namespace, client, log }: BenchContext,
  name: string,
  body: (clients: PrefixedClients) => Promise<T>,
): Promise<T> {
  const keyPrefix = `${namespace}${name}:`;
  const redis = client({ keyPrefix });
  const plain = client();
  try {
    return await body({ keyPrefix, redis, plain });
  } finally {
    log('deleting the records');
    await deleteKeysUnder(keyPrefix, { redis: plain });
    redis.disconnect();
    plain.disconnect();
  }
}

/** Collects garbage between measurements when node runs with --expose-gc, to keep rounds comparable. */
export function settleHeap(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Runs `body` once and returns operations per second for `ops` operations. */
export async function opsPerSecond(ops: number, body: () => Promise<unknown>): Promise<number> {
  settleHeap();
  const start = process.hrtime.bigint();
  await body();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return ops / seconds;
}

/** Throughput of one contender over several rounds. */
export interface Measured {
  median: number;
  min: number;
  max: number;
}

/**
 * Measures every contender `rounds` times, interleaved and in alternating order (A B C,
 * C B A, ...) so that drift in the machine's load hits all of them alike, and reports the
 * median (robust to a stray slow or fast round) with the spread.
 */
export async function measureRounds(
  rounds: number,
  contenders: { name: string; ops: number; run: () => Promise<unknown> }[],
): Promise<Map<string, Measured>> {
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? contenders : [...contenders].reverse();
    for (const contender of order) samples.get(contender.name)!.push(await opsPerSecond(contender.ops, contender.run));
  }
  return new Map(
    [...samples].map(([name, rates]) => {
      const sorted = [...rates].sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
      return [name, { median, min: sorted[0]!, max: sorted.at(-1)! }];
    }),
  );
}

/** "min–max" of a measurement, for the note column. */
export function spread(m: Measured | undefined): string {
  return m === undefined ? '' : `spread ${formatRate(m.min)}–${formatRate(m.max)}`;
}

/** Writes `count` string keys `${prefix}${i}` with `valueBytes`-byte values, pipelined. */
export async function seedStrings(redis: Redis, prefix: string, count: number, valueBytes: number): Promise<string[]> {
  const keys = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  const value = 'v'.repeat(valueBytes);
  for (let i = 0; i < count; i += 10_000) {
    const pipeline = redis.pipeline();
    for (const key of keys.slice(i, i + 10_000)) pipeline.set(key, value);
    await pipeline.exec();
  }
  return keys;
}

/**
 * Runs `redis-benchmark -q` with `args` against host:port and returns requests/s of the
 * first reported test, or undefined when the tool is not installed.
 */
export async function redisBenchmark(host: string, port: number, args: string[]): Promise<number | undefined> {
  if (findOnPath('redis-benchmark') === undefined) return undefined;
  const { stdout } = await execFileAsync('redis-benchmark', ['-h', host, '-p', String(port), '-q', ...args], {
    maxBuffer: 1 << 20,
  });
  // With -q each test ends in a line like "GET: 1234567.89 requests per second, p50=0.3 msec".
  const match = /([\d.]+) requests per second/.exec(stdout.replace(/\r/g, '\n'));
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** Formats ops/s for the table. */
export function formatRate(opsPerSec: number): string {
  return Math.round(opsPerSec).toLocaleString('en-US');
}
