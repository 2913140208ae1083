import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { resolveDefaultRedis } from '../redis/default-server.js';
import {
  backgroundTaskStats,
  drainBackgroundTasks,
  runAllMultithreaded,
  startNewThread,
} from '../utils/multithreading.js';
import { progressBar } from './progress.js';
import { renderTable } from './table.js';

/** One day of one symbol's price history. */
interface PriceRecord {
  symbol: string;
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

const SYMBOLS = ['AAPL', 'MSFT', 'GOOG', 'AMZN', 'NVDA', 'META', 'TSLA', 'ORCL', 'INTC', 'AMD'];

/** Deterministic synthetic price history: a random walk per symbol, `count` records in all. */
function priceHistory(count: number): PriceRecord[] {
  const records: PriceRecord[] = [];
  const perSymbol = Math.ceil(count / SYMBOLS.length);
  const start = Date.UTC(2000, 0, 3);
  for (const [s, symbol] of SYMBOLS.entries()) {
    let price = 50 + s * 10;
    for (let day = 0; day < perSymbol && records.length < count; day++) {
      const drift = Math.sin(day * 0.37 + s) * 0.02;
      const open = price;
      const close = Math.max(1, open * (1 + drift));
      records.push({
        symbol,
        date: new Date(start + day * 86_400_000).toISOString().slice(0, 10),
        open: round2(open),
        high: round2(Math.max(open, close) * 1.01),
        low: round2(Math.min(open, close) * 0.99),
        close: round2(close),
        volume: 1_000_000 + ((day * 7919 + s * 104_729) % 5_000_000),
      });
      price = close;
    }
  }
  return records;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** Runs `body` and returns operations per second for `ops` operations. */
async function measure(ops: number, body: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await body();
  return (ops / (performance.now() - start)) * 1000;
}

/**
 * `popoto-ts demo`: restores a price history into Redis and runs Popoto's three patterns
 * on it (background saves, a parallel bulk query across key patterns, a publish per close
 * price), each sequentially and with popoto-ts, and prints ops/s side by side.
 */
export async function runDemo(options: { records: number }): Promise<void> {
  const { url, embedded } = await resolveDefaultRedis();
  const redis = new Redis(url, { enableAutoPipelining: true, lazyConnect: true });
  const namespace = `popoto-demo:${randomBytes(4).toString('hex')}`;
  const keyOf = (r: PriceRecord): string => `${namespace}:price:${r.symbol}:${r.date}`;
  const channel = `${namespace}:close`;
  const records = priceHistory(options.records);
  const rows: (string | number)[][] = [];
  const compare = (pattern: string, ops: number, sequential: number, concurrent: number): void => {
    rows.push([pattern, ops, sequential, concurrent, concurrent / sequential]);
  };

  try {
    await redis.connect();
    const server = (await redis.info('server')).match(/redis_version:(\S+)/)?.[1] ?? '?';
    process.stdout.write(
      `popoto-ts demo: ${records.length.toLocaleString('en-US')} price-history records, Redis ${server} at ` +
        `${url.replace(/\/\/[^@]*@/, '//***@')}${embedded ? ' (private server started for this demo)' : ''}\n\n`,
    );

    // 1. Background saves: each record written by a fire-and-forget task, then drained.
    const save = (r: PriceRecord): Promise<unknown> => redis.set(keyOf(r), JSON.stringify(r), 'EX', 3600);
    const sequentialSave = await measure(records.length, async () => {
      for (const r of records) await save(r);
    });
    const saveInBackground = startNewThread(save, { name: 'savePriceRecord' });
    const bar = progressBar('background saves', records.length);
    const backgroundSave = await measure(records.length, async () => {
      for (const r of records) saveInBackground(r);
      const poll = setInterval(() => bar.update(records.length - backgroundTaskStats().pending), 100);
      await drainBackgroundTasks();
      clearInterval(poll);
      bar.update(records.length);
    });
    bar.stop();
    compare('background saves (startNewThread)', records.length, sequentialSave, backgroundSave);

    // 2. Bulk query: SCAN one pattern per symbol, then read every key.
    const patterns = SYMBOLS.map((symbol) => `${namespace}:price:${symbol}:*`);
    const scan = async (pattern: string): Promise<string[]> => {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      return keys;
    };
    const get = (key: string): Promise<string | null> => redis.get(key);
    const sequentialQuery = await measure(records.length, async () => {
      for (const pattern of patterns) for (const key of await scan(pattern)) await get(key);
    });
    const queryBar = progressBar('bulk query', records.length);
    let readBack = 0;
    const parallelQuery = await measure(records.length, async () => {
      const keys = (await runAllMultithreaded(scan, patterns)).flat();
      const values = await runAllMultithreaded(get, keys, { onProgress: ({ done }) => queryBar.update(done) });
      readBack = values.filter((v) => v !== null).length;
    });
    queryBar.stop();
    if (readBack !== records.length) throw new Error(`bulk query read ${readBack} of ${records.length} records`);
    compare('bulk query over 10 key patterns (runAll)', records.length, sequentialQuery, parallelQuery);

    // 3. A notification per close price.
    const publish = (r: PriceRecord): Promise<number> => redis.publish(channel, `${r.symbol} ${r.date} ${r.close}`);
    const sequentialPublish = await measure(records.length, async () => {
      for (const r of records) await publish(r);
    });
    const publishBar = progressBar('publish close prices', records.length);
    const parallelPublish = await measure(records.length, () =>
      runAllMultithreaded(publish, records, { onProgress: ({ done }) => publishBar.update(done) }),
    );
    publishBar.stop();
    compare('publish per close price (runAll)', records.length, sequentialPublish, parallelPublish);

    process.stdout.write(
      `\n${renderTable(['pattern', 'records', 'sequential ops/s', 'popoto-ts ops/s', 'speedup ×'], rows)}\n`,
    );
  } finally {
    await cleanUp(redis, `${namespace}:*`).catch(() => undefined);
    redis.disconnect();
    await embedded?.stop();
  }
}

async function cleanUp(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 5000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}
