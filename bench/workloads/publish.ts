// DESIGN §7: publish 200k messages. publishMany against a raw ioredis pipeline of the same
// PUBLISH commands, on the same client, and runAllMultithreaded(publish) for reference.
import { publishMany } from '../../src/redis/index.js';
import { runAllMultithreaded } from '../../src/concurrency/index.js';
import { measureRounds, spread, type Workload } from '../harness.js';

const MESSAGES = 200_000;
const workload = 'publish 200k messages';

export const publish: Workload = {
  name: workload,
  async run({ rounds, log, client }) {
    const redis = client();
    try {
      const entries = Array.from(
        { length: MESSAGES },
        (_, i) =>
          [`popoto-bench:prices:${i % 10}`, `{"symbol":"S${i % 10}","close":${(i % 977) / 10}}`] as [string, string],
      );
      log(`measuring 3 contenders × ${rounds} rounds`);
      const measured = await measureRounds(rounds, [
        { name: 'publishMany', ops: MESSAGES, run: () => publishMany(entries, { redis }) },
        {
          name: 'raw pipeline',
          ops: MESSAGES,
          run: () => {
            const pipeline = redis.pipeline();
            for (const [channel, message] of entries) pipeline.publish(channel, message);
            return pipeline.exec();
          },
        },
        {
          name: 'runAllMultithreaded',
          ops: MESSAGES,
          run: () =>
            runAllMultithreaded(([channel, message]: [string, string]) => redis.publish(channel, message), entries),
        },
      ]);
      const rate = (name: string): number => measured.get(name)?.median ?? 0;
      const note = (name: string): string => spread(measured.get(name));
      return {
        rows: [
          { workload, contender: 'publishMany', opsPerSec: rate('publishMany'), note: note('publishMany') },
          {
            workload,
            contender: 'raw ioredis pipeline of the same PUBLISH commands',
            opsPerSec: rate('raw pipeline'),
            note: note('raw pipeline'),
          },
          {
            workload,
            contender: 'runAllMultithreaded(publish)',
            opsPerSec: rate('runAllMultithreaded'),
            note: note('runAllMultithreaded'),
          },
        ],
        bars: [
          {
            workload,
            description: 'publishMany / raw pipeline',
            ratio: rate('publishMany') / rate('raw pipeline'),
            min: 0.8,
          },
        ],
      };
    } finally {
      redis.disconnect();
    }
  },
};
