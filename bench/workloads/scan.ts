// DESIGN §4 / issue 3: scanKeys over 1M keys with 3 patterns, keys/s, against the plain way:
// one SCAN cursor per pattern, one pattern after the other.
import { deleteKeysUnder, scanKeys } from '../../src/redis/index.js';
import { measureRounds, spread, type Workload } from '../harness.js';

const KEYS = 1_000_000;
const workload = 'scanKeys 1M keys, 3 patterns';

export const scan: Workload = {
  name: workload,
  async run({ rounds, log, namespace, client }) {
    const redis = client();
    const prefix = `${namespace}scan:`;
    const kinds = ['user', 'order', 'session', 'noise'];
    const patterns = kinds.slice(0, 3).map((kind) => `${prefix}${kind}:*`);
    try {
      log(`seeding ${KEYS} keys`);
      for (let i = 0; i < KEYS; i += 20_000) {
        const pipeline = redis.pipeline();
        for (let j = i; j < i + 20_000; j++) pipeline.set(`${prefix}${kinds[j % 4]}:${j}`, '1');
        await pipeline.exec();
      }
      const matching = (KEYS / 4) * 3;
      log(`measuring 2 contenders × ${rounds} rounds`);
      let found = 0;
      const measured = await measureRounds(rounds, [
        {
          name: 'scanKeys',
          ops: matching,
          run: async () => {
            found = 0;
            for await (const _key of scanKeys(patterns, { redis })) found++;
          },
        },
        {
          name: 'sequential SCAN',
          ops: matching,
          run: async () => {
            for (const pattern of patterns) {
              let cursor = '0';
              do {
                const [next] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
                cursor = next;
              } while (cursor !== '0');
            }
          },
        },
      ]);
      if (found !== matching) throw new Error(`scanKeys found ${found} keys, expected ${matching}`);
      const rate = (name: string): number => measured.get(name)?.median ?? 0;
      const note = (name: string): string => spread(measured.get(name));
      return {
        rows: [
          {
            workload,
            contender: 'scanKeys (3 patterns concurrently, de-duplicated)',
            opsPerSec: rate('scanKeys'),
            note: `keys/s; ${note('scanKeys')}`,
          },
          {
            workload,
            contender: 'one SCAN cursor per pattern, in turn',
            opsPerSec: rate('sequential SCAN'),
            note: `keys/s; ${note('sequential SCAN')}`,
          },
        ],
        bars: [],
      };
    } finally {
      log('deleting the keys');
      await deleteKeysUnder(prefix, { redis });
      redis.disconnect();
    }
  },
};
