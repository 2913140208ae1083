// Concurrent pub/sub publishing: a notification per price tick, published concurrently with
// runAllMultithreaded or as one pipelined publishMany (in order per channel), and a fire-and-
// forget publish from a request handler with startNewThread. Values are MessagePack-encoded,
// as Python Popoto encodes them.
//
//   npx tsx examples/concurrent-publishing.ts
import { drainBackgroundTasks, runAllMultithreaded, startNewThread } from 'popoto-ts';
import { Publisher, Subscriber } from 'popoto-ts/pubsub';
import { openScratch } from './scratch.js';

const { prefix, cleanUp } = await openScratch('concurrent-publishing');
const channel = (symbol: string) => `${prefix}prices.${symbol}`;

interface Tick {
  symbol: string;
  close: number;
}
const ticks: Tick[] = ['AAPL', 'MSFT', 'NVDA'].flatMap((symbol, s) =>
  Array.from({ length: 500 }, (_, day) => ({ symbol, close: 100 + s * 50 + Math.sin(day / 9) * 5 })),
);

// A subscriber on every price channel, counting what arrives.
const subscriber = new Subscriber<Tick>();
await subscriber.psubscribe(`${prefix}prices.*`);
let received = 0;
subscriber.onMessage(() => received++);

const publisher = new Publisher();
// 1. One publish per tick, many in flight at once.
await runAllMultithreaded((tick: Tick) => publisher.publish(channel(tick.symbol), tick), ticks);
// 2. The same ticks as one bulk call: pipelined, in input order per channel.
await publisher.publishMany(ticks.map((tick) => [channel(tick.symbol), tick] as const));
// 3. From a request handler: publish in the background and answer at once.
const notify = startNewThread((tick: Tick) => publisher.publish(channel(tick.symbol), tick), { name: 'notify' });
notify({ symbol: 'AAPL', close: 189.2 });
await drainBackgroundTasks();

// Pub/sub delivery is asynchronous: wait (at most 10 s) for every message to arrive.
const expected = ticks.length * 2 + 1;
for (const deadline = Date.now() + 10_000; received < expected && Date.now() < deadline;) {
  await new Promise((resolve) => setTimeout(resolve, 20));
}
console.log(`published ${expected} messages, received ${received}`);

await subscriber.close();
await cleanUp();
