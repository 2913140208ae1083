// Sharded against classic pub/sub on a local Redis Cluster of 3 masters (its own, started here
// and stopped at the end): publishMany of the same messages with PUBLISH (broadcast over the
// cluster bus to every node) and with SPUBLISH (to the channel's master only), each once with
// nobody listening and once until a subscriber of the same kind has received every message.
import { Subscriber } from '../../src/pubsub/index.js';
import { publishMany } from '../../src/redis/index.js';
import { withLocalCluster } from '../local-cluster.js';
import { measureRounds, spread, type Measured, type Workload } from '../harness.js';

const MESSAGES = 100_000;
/** Channels spread over the slots, hence over the 3 masters. */
const CHANNELS = 300;
const workload = 'publish 100k messages on a 3-master cluster';

export const shardedPublish: Workload = {
  // Selected on the command line by "sharded" or "cluster" (not "publish", which names the single-Redis workload).
  name: 'sharded pub/sub on a 3-master cluster',
  run({ rounds, log }) {
    return withLocalCluster(3, log, async ({ redis, connect }) => {
      const subscribers: Subscriber[] = [];
      try {
        await redis.ping();
        const channels = Array.from({ length: CHANNELS }, (_, i) => `popoto-bench:sharded:${i}`);
        const entries = Array.from(
          { length: MESSAGES },
          (_, i) => [channels[i % CHANNELS]!, `{"symbol":"S${i % CHANNELS}","close":${(i % 977) / 10}}`] as const,
        );
        /** Publishes every message, and with `subscriber` waits until it has received them all. */
        const deliver = (sharded: boolean, subscriber: Subscriber | undefined) => async (): Promise<void> => {
          let received = 0;
          let off = (): void => undefined;
          const all =
            subscriber === undefined
              ? Promise.resolve()
              : new Promise<void>((resolve) => {
                  off = subscriber.onMessage(() => {
                    if (++received === MESSAGES) resolve();
                  });
                });
          await publishMany(entries, { redis, sharded });
          await all;
          off();
        };
        // The ceiling of delivery in one process: ioredis's own sharded subscriber (a Cluster with
        // shardedSubscribers), its messages only counted, beside the same publishes.
        const plainSubscriber = connect({ shardedSubscribers: true });
        let plainReceived = 0;
        let plainAll = (): void => undefined;
        plainSubscriber.on('smessageBuffer', () => {
          if (++plainReceived === MESSAGES) plainAll();
        });
        const deliverPlain = async (): Promise<void> => {
          plainReceived = 0;
          const all = new Promise<void>((resolve) => (plainAll = resolve));
          await publishMany(entries, { redis, sharded: true });
          await all;
        };
        const classicSubscriber = new Subscriber({ redis, encoding: 'raw' });
        const shardedSubscriber = new Subscriber({ redis, encoding: 'raw', sharded: true });
        subscribers.push(classicSubscriber, shardedSubscriber);
        log(`measuring 4 contenders × ${rounds} rounds`);
        const publishOnly = await measureRounds(rounds, [
          { name: 'classic', ops: MESSAGES, run: deliver(false, undefined) },
          { name: 'sharded', ops: MESSAGES, run: deliver(true, undefined) },
        ]);
        await classicSubscriber.subscribe(...channels);
        await shardedSubscriber.subscribe(...channels);
        const delivered = await measureRounds(rounds, [
          { name: 'classic', ops: MESSAGES, run: deliver(false, classicSubscriber) },
          { name: 'sharded', ops: MESSAGES, run: deliver(true, shardedSubscriber) },
        ]);
        // Measured alone, after ours have closed: one subscriber receives at a time, as above.
        await Promise.all(subscribers.map((subscriber) => subscriber.close()));
        for (const channel of channels) await plainSubscriber.ssubscribe(channel);
        const plain = await measureRounds(rounds, [{ name: 'plain', ops: MESSAGES, run: deliverPlain }]);
        const m = (from: Map<string, Measured>, name: string): Measured =>
          from.get(name) ?? { median: 0, min: 0, max: 0 };
        const row = (contender: string, x: Measured) => ({ workload, contender, opsPerSec: x.median, note: spread(x) });
        return {
          rows: [
            row('publishMany (sharded: true, SPUBLISH), no subscriber', m(publishOnly, 'sharded')),
            row('publishMany (classic PUBLISH), no subscriber', m(publishOnly, 'classic')),
            row('publishMany (sharded: true) until a sharded Subscriber got all', m(delivered, 'sharded')),
            row('publishMany (classic) until a classic Subscriber got all', m(delivered, 'classic')),
            row(
              'ceiling: publishMany (sharded: true) until a plain ioredis sharded subscriber (shardedSubscribers) counted all',
              m(plain, 'plain'),
            ),
          ],
          notes: [
            `sharded Subscriber delivery / plain ioredis sharded subscriber (the same process publishing and receiving; no bar): ${(m(delivered, 'sharded').median / m(plain, 'plain').median).toFixed(2)}`,
          ],
          bars: [
            {
              workload,
              description: 'sharded / classic publishMany, no subscriber',
              ratio: m(publishOnly, 'sharded').median / m(publishOnly, 'classic').median,
              min: 2,
            },
            {
              workload,
              description: 'sharded / classic, published and delivered',
              ratio: m(delivered, 'sharded').median / m(delivered, 'classic').median,
              min: 2,
            },
          ],
        };
      } finally {
        await Promise.all(subscribers.map((subscriber) => subscriber.close()));
      }
    });
  },
};
