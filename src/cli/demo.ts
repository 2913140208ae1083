import { defineModel, Field, KeyField, SortedField } from '../models/index.js';
import { Publisher } from '../pubsub/index.js';
import { escapeGlob, scanKeys } from '../redis/index.js';
import { connect, disconnect, isCluster, type RedisClient } from '../redis/connection.js';
import {
  backgroundTaskStats,
  drainBackgroundTasks,
  runAllMultithreaded,
  startNewThread,
} from '../concurrency/index.js';
import { deleteOnInterrupt, KeyNamespace } from './key-namespace.js';
import { startPhase, type Phase } from './progress.js';

const SYMBOLS = ['AAPL', 'MSFT', 'GOOG', 'AMZN', 'NVDA', 'META', 'TSLA', 'ORCL', 'INTC', 'AMD'];

interface PriceData {
  symbol: string;
  date: string;
  open: number;
  close: number;
  volume: number;
}

/** Deterministic synthetic price history: a random walk per symbol, `count` records in all. */
function priceHistory(count: number): PriceData[] {
  const records: PriceData[] = [];
  const perSymbol = Math.ceil(count / SYMBOLS.length);
  const start = Date.UTC(2000, 0, 3);
  for (const [s, symbol] of SYMBOLS.entries()) {
    let price = 50 + s * 10;
    for (let day = 0; day < perSymbol && records.length < count; day++) {
      const close = Math.max(1, price * (1 + Math.sin(day * 0.37 + s) * 0.02));
      records.push({
        symbol,
        date: new Date(start + day * 86_400_000).toISOString().slice(0, 10),
        open: round2(price),
        close: round2(close),
        volume: 1_000_000 + ((day * 7919 + s * 104_729) % 5_000_000),
      });
      price = close;
    }
  }
  return records;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** One row of the demo's table: a pattern run one way. */
export interface DemoStep {
  step: string;
  /** `sequential` (one await at a time, the baseline) or `popoto-ts`. */
  mode: 'sequential' | 'popoto-ts';
  items: number;
  seconds: number;
  itemsPerSecond: number;
  /** Sequential seconds / these seconds: 1 for a sequential row. */
  speedUp: number;
}

/** What `runDemo` measured. */
export interface DemoResult {
  records: number;
  redisVersion: string;
  /** The prefix everything was written under (deleted before `runDemo` resolves). */
  namespace: string;
  steps: DemoStep[];
}

/** Options of `runDemo`. */
export interface DemoOptions {
  records: number;
  /** Where the opening lines go (stdout for the table form, stderr with `--json`). */
  say: (line: string) => void;
}

/** A new connection to the same Redis (or cluster) as `redis`, with these options changed. */
function duplicate(redis: RedisClient, options: { keyPrefix?: string } = {}): RedisClient {
  // Both branches make the same call: Redis and Cluster take the options at different positions.
  return isCluster(redis) ? redis.duplicate(undefined, options) : redis.duplicate(options);
}

/** The phase being shown, so that an interruption can stop drawing it. */
let currentPhase: Phase | undefined;

/** Runs `body` as a progress phase of `items` items and returns the seconds it took. */
async function timed(label: string, items: number, body: (phase: Phase) => Promise<unknown>): Promise<number> {
  const phase = startPhase(label, items);
  currentPhase = phase;
  const start = performance.now();
  try {
    await body(phase);
  } catch (error) {
    phase.cancel();
    throw error;
  } finally {
    currentPhase = undefined;
  }
  phase.update(items);
  phase.stop();
  return (performance.now() - start) / 1000;
}

/**
 * `popoto-ts demo`: restores a price history into Popoto-style models and runs Popoto's three
 * patterns on it — background model saves, a parallel bulk query across key patterns, and a
 * notification published per close price — each sequentially and with popoto-ts, with progress
 * on every phase. Everything it writes lives under a fresh prefix and is deleted, also on Ctrl-C;
 * it resolves once the keys are gone, so that the caller's table is the last thing shown.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  // On stderr with the progress: the first sign of life, before a connection that may take a while.
  process.stderr.write('  connecting to Redis ...\n');
  const redis = await connect();
  // Models under a fresh prefix, so the demo never touches anyone's data, and deletes exactly
  // what it wrote: at the end, and on Ctrl-C.
  const keys = new KeyNamespace('popoto-demo');
  const namespace = keys.prefix;
  const scoped = duplicate(redis, { keyPrefix: namespace });
  const interruption = deleteOnInterrupt({
    namespace: keys,
    cleaner: () => duplicate(redis),
    stopWriting: () => {
      currentPhase?.cancel();
      scoped.disconnect();
      redis.disconnect();
    },
    finally: () => disconnect(),
  });
  const Price = defineModel(
    'Price',
    {
      symbol: KeyField(),
      date: KeyField(),
      open: Field({ type: 'float' }),
      close: SortedField({ type: 'float' }),
      volume: Field({ type: 'int' }),
    },
    { redis: scoped },
  );
  type Price = InstanceType<typeof Price>;
  const data = priceHistory(options.records);
  const n = data.length;
  const steps: DemoStep[] = [];
  let redisVersion = '?';
  const compare = (pattern: string, how: string, sequential: number, concurrent: number): void => {
    const row = (step: string, mode: DemoStep['mode'], seconds: number): DemoStep => ({
      step,
      mode,
      items: n,
      seconds,
      itemsPerSecond: n / seconds,
      speedUp: sequential / seconds,
    });
    steps.push(
      row(`${pattern}, sequential`, 'sequential', sequential),
      row(`${pattern}, ${how}`, 'popoto-ts', concurrent),
    );
  };

  try {
    redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
    options.say(`popoto-ts demo: ${n.toLocaleString('en-US')} price-history records as models, Redis ${redisVersion}`);
    options.say(`writing under ${namespace} (deleted at the end, and on Ctrl-C)`);

    // 1. Restore: every record saved with a TTL, one await at a time; then by fire-and-forget
    // tasks (what a request handler does), drained at the end.
    const sequentialSave = await timed('model saves, sequential', n, async (phase) => {
      for (const [i, d] of data.entries()) {
        await new Price(d).save({ expire: 3600 });
        phase.update(i + 1);
      }
    });
    const saveInBackground = startNewThread((price: Price) => price.save({ expire: 3600 }), { name: 'savePrice' });
    const backgroundSave = await timed('model saves, startNewThread', n, async (phase) => {
      const before = backgroundTaskStats().completed;
      for (const d of data) saveInBackground(new Price(d));
      const poll = setInterval(() => phase.update(backgroundTaskStats().completed - before), 100);
      try {
        await drainBackgroundTasks();
      } finally {
        clearInterval(poll);
      }
    });
    compare('model saves with TTL', 'startNewThread + drain', sequentialSave, backgroundSave);

    // 2. Bulk query: SCAN one key pattern per symbol (every master of a cluster), then get each model.
    // The model gives its key pattern and parses its keys; SCAN sees the keys with the
    // namespace (the scoped client's keyPrefix) in front, which is ours to add and cut.
    const patterns = SYMBOLS.map((symbol) => `${escapeGlob(namespace)}${Price.keyPattern({ symbol })}`);
    const keysOf = async (pattern: string): Promise<{ symbol: string; date: string }[]> => {
      const found: { symbol: string; date: string }[] = [];
      for await (const key of scanKeys(pattern, { redis })) {
        const values = Price.parseKey(key.slice(namespace.length));
        if (values !== undefined) found.push(values);
      }
      return found;
    };
    const checkReadBack = (prices: unknown[]): void => {
      const read = prices.filter((p) => p !== null).length;
      // A plain Error: the demo's own self-check, which fails the run the bin prints (as UsageError
      // in args.ts, no package entry point reaches src/cli), so no caller needs a stable code.
      if (read !== n) throw new Error(`bulk query read ${read} of ${n} records`);
    };
    const sequentialQuery = await timed('bulk query, sequential', n, async (phase) => {
      const prices: unknown[] = [];
      for (const pattern of patterns) {
        for (const key of await keysOf(pattern)) {
          prices.push(await Price.query.get(key));
          phase.update(prices.length);
        }
      }
      checkReadBack(prices);
    });
    const parallelQuery = await timed('bulk query, runAllMultithreaded', n, async (phase) => {
      const found = (await runAllMultithreaded(keysOf, patterns)).flat();
      const prices = await runAllMultithreaded((key: { symbol: string; date: string }) => Price.query.get(key), found, {
        onProgress: ({ done }) => phase.update(done),
      });
      checkReadBack(prices);
    });
    compare(`bulk query, ${SYMBOLS.length} key patterns`, 'runAllMultithreaded', sequentialQuery, parallelQuery);

    // 3. A notification per close price (MessagePack, as Popoto encodes it).
    const publisher = new Publisher({ redis });
    const channel = `${namespace}close`;
    const notify = (d: PriceData) => publisher.publish(channel, { symbol: d.symbol, date: d.date, close: d.close });
    const sequentialPublish = await timed('publish, sequential', n, async (phase) => {
      for (const [i, d] of data.entries()) {
        await notify(d);
        phase.update(i + 1);
      }
    });
    const parallelPublish = await timed('publish, runAllMultithreaded', n, (phase) =>
      runAllMultithreaded(notify, data, { onProgress: ({ done }) => phase.update(done) }),
    );
    compare('publish per close price', 'runAllMultithreaded', sequentialPublish, parallelPublish);
  } catch (error) {
    await interruption.rethrowUnlessInterrupted(error);
  } finally {
    const cleanup = startPhase("deleting the demo's keys", undefined);
    try {
      cleanup.update(await keys.deleteAll(redis));
    } finally {
      cleanup.stop();
      interruption.remove();
      scoped.disconnect();
      await disconnect();
    }
  }
  return { records: n, redisVersion, namespace, steps };
}
