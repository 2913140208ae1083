// Issue 20: getMany of 200k keys (100 B values) on a local Redis Cluster of 3 masters (its own,
// started here and stopped at the end), against the same read of keys that all live on one of
// its nodes (one hash tag: one slot, so one MGET per batch, as on a single Redis). The keys
// spread over the cluster are read a batch per node as one script over its slots
// (src/redis/cross-slot-read.ts); the bar asks the spread read for 2× the one-node read.
import { getMany, setMany } from '../../src/redis/index.js';
import { withLocalCluster } from '../local-cluster.js';
import { measureRounds, spread, type Measured, type Workload } from '../harness.js';

const KEYS = 200_000;
const workload = 'bulk GET 200k keys on a 3-master cluster';

export const clusterGet: Workload = {
  // Selected on the command line by "cluster".
  name: 'getMany on a 3-master cluster',
  run({ rounds, log }) {
    return withLocalCluster(3, log, async ({ redis }) => {
      const value = 'v'.repeat(100);
      const spreadKeys = Array.from({ length: KEYS }, (_, i) => `popoto-bench:spread:${i}`);
      const oneNodeKeys = Array.from({ length: KEYS }, (_, i) => `popoto-bench:{one}:${i}`);
      log(`seeding ${KEYS * 2} keys`);
      await setMany(
        [...spreadKeys, ...oneNodeKeys].map((key) => [key, value]),
        { redis },
      );
      const checked = (keys: string[]) => async (): Promise<void> => {
        const values = await getMany(keys, { redis });
        if (values[KEYS - 1] !== value) throw new Error('cluster getMany read a wrong value');
      };
      log(`measuring 2 contenders × ${rounds} rounds`);
      const measured = await measureRounds(rounds, [
        { name: 'spread', ops: KEYS, run: checked(spreadKeys) },
        { name: 'one node', ops: KEYS, run: checked(oneNodeKeys) },
      ]);
      const m = (name: string): Measured => measured.get(name) ?? { median: 0, min: 0, max: 0 };
      const row = (contender: string, x: Measured) => ({ workload, contender, opsPerSec: x.median, note: spread(x) });
      return {
        rows: [
          row('getMany, keys spread over the 3 masters (a script per batch of a node)', m('spread')),
          row('getMany, keys all on one master (one hash tag: MGET batches)', m('one node')),
        ],
        bars: [
          {
            workload,
            description: 'getMany spread over 3 masters / all on one master',
            ratio: m('spread').median / m('one node').median,
            min: 2,
          },
        ],
      };
    });
  },
};
