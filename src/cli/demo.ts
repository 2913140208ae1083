import { randomBytes } from 'node:crypto';
import { defineModel, Field, KeyField, SortedField, unescapeKeyPart } from '../models/index.js';
import { Publisher } from '../pubsub/index.js';
import { deleteMany, scanKeys } from '../redis/index.js';
import { connect, disconnect, isCluster } from '../redis/connection.js';
import {
  backgroundTaskStats,
  drainBackgroundTasks,
  runAllMultithreaded,
  startNewThread,
} from '../concurrency/index.js';
import { progressBar } from './progress.js';
import { renderTable } from './table.js';

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

/** Runs `body` and returns operations per second for `ops` operations. */
async function measure(ops: number, body: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await body();
  return (ops / (performance.now() - start)) * 1000;
}

/**
 * `popoto-ts demo`: restores a price history into Popoto-style models and runs Popoto's three
 * patterns on it — background model saves, a parallel bulk query across key patterns, and a
 * notification published per close price — each sequentially and with popoto-ts, then prints
 * ops/s side by side. Everything it writes lives under a random model name and is deleted.
 */
export async function runDemo(options: { records: number }): Promise<void> {
  const redis = await connect();
  // Models under a fresh prefix, so the demo never touches anyone's data.
  const namespace = `popoto-demo:${randomBytes(4).toString('hex')}:`;
  const scoped = isCluster(redis)
    ? redis.duplicate(undefined, { keyPrefix: namespace })
    : redis.duplicate({ keyPrefix: namespace });
  // On a cluster the model name is hash-tagged (see the README), so the key patterns are too.
  const scope = isCluster(redis) ? '{Price}' : 'Price';
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
  const rows: (string | number)[][] = [];
  const compare = (pattern: string, sequential: number, concurrent: number): void => {
    rows.push([pattern, data.length, sequential, concurrent, concurrent / sequential]);
  };

  try {
    const server = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
    process.stdout.write(
      `popoto-ts demo: ${data.length.toLocaleString('en-US')} price-history records as models, Redis ${server}\n\n`,
    );

    // 1. Restore: every record saved with a TTL by a fire-and-forget task, then drained.
    const sequentialSave = await measure(data.length, async () => {
      for (const d of data) await new Price(d).save({ expire: 3600 });
    });
    const saveInBackground = startNewThread((price: Price) => price.save({ expire: 3600 }), { name: 'savePrice' });
    const bar = progressBar('background model saves', data.length);
    const backgroundSave = await measure(data.length, async () => {
      const before = backgroundTaskStats();
      for (const d of data) saveInBackground(new Price(d));
      const poll = setInterval(() => bar.update(backgroundTaskStats().completed - before.completed), 100);
      await drainBackgroundTasks();
      clearInterval(poll);
      bar.update(data.length);
    });
    bar.stop();
    compare('background model saves (startNewThread)', sequentialSave, backgroundSave);

    // 2. Bulk query: SCAN one key pattern per symbol (every master of a cluster), then get each model.
    // Key fields join in alphabetical order of their names, as in Popoto: Price:<date>:<symbol>.
    const patterns = SYMBOLS.map((symbol) => `${namespace}${scope}:*:${symbol}`);
    const keysOf = async (pattern: string): Promise<{ symbol: string; date: string }[]> => {
      const found: { symbol: string; date: string }[] = [];
      for await (const key of scanKeys(pattern, { redis })) {
        const [date, symbol] = key.slice(namespace.length + scope.length + 1).split(':');
        found.push({ symbol: unescapeKeyPart(symbol!), date: unescapeKeyPart(date!) });
      }
      return found;
    };
    const sequentialQuery = await measure(data.length, async () => {
      for (const pattern of patterns) for (const key of await keysOf(pattern)) await Price.query.get(key);
    });
    const queryBar = progressBar('bulk query', data.length);
    let readBack = 0;
    const parallelQuery = await measure(data.length, async () => {
      const keys = (await runAllMultithreaded(keysOf, patterns)).flat();
      const prices = await runAllMultithreaded((key: { symbol: string; date: string }) => Price.query.get(key), keys, {
        onProgress: ({ done }) => queryBar.update(done),
      });
      readBack = prices.filter((p) => p !== null).length;
    });
    queryBar.stop();
    if (readBack !== data.length) throw new Error(`bulk query read ${readBack} of ${data.length} records`);
    compare('bulk query over 10 key patterns (runAll)', sequentialQuery, parallelQuery);

    // 3. A notification per close price (MessagePack, as Popoto encodes it).
    const publisher = new Publisher({ redis });
    const channel = `${namespace}close`;
    const sequentialPublish = await measure(data.length, async () => {
      for (const d of data) await publisher.publish(channel, { symbol: d.symbol, date: d.date, close: d.close });
    });
    const publishBar = progressBar('publish close prices', data.length);
    const parallelPublish = await measure(data.length, () =>
      runAllMultithreaded(
        (d: PriceData) => publisher.publish(channel, { symbol: d.symbol, date: d.date, close: d.close }),
        data,
        {
          onProgress: ({ done }) => publishBar.update(done),
        },
      ),
    );
    publishBar.stop();
    compare('publish per close price (runAll)', sequentialPublish, parallelPublish);

    process.stdout.write(
      `\n${renderTable(['pattern', 'records', 'sequential ops/s', 'popoto-ts ops/s', 'speedup ×'], rows)}\n`,
    );
  } finally {
    const leftovers: string[] = [];
    for await (const key of scanKeys(`${namespace}*`, { redis })) leftovers.push(key);
    await deleteMany(leftovers, { redis }).catch(() => undefined);
    scoped.disconnect();
    await disconnect();
  }
}
