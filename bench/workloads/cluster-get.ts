// Issue 20: getMany of 200k keys (100 B values) on a local Redis Cluster of 3 masters (its own,
// started here and stopped at the end), against the same read of keys that all live on one of
// its nodes (one hash tag: one slot, so one MGET per batch, as on a single Redis). The keys
// spread over the cluster are read a batch per node as one script over its slots
// (src/redis/cross-slot-read.ts); for comparison, the same read by a user without EVAL, whose
// batches go as pipelines of per-slot MGETs (what getMany did before). The bar asks the spread
// read for 2× the one-node read.
import { randomBytes } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { getMany, setMany } from '../../src/redis/index.js';
import { withLocalCluster } from '../local-cluster.js';
import { measureRounds, spread, type Measured, type Workload } from '../harness.js';

const KEYS = 200_000;
const workload = 'bulk GET 200k keys on a 3-master cluster';

/** CPU seconds the masters have used (INFO cpu, user + system), summed. */
async function mastersCpu(redis: Cluster): Promise<number> {
  let seconds = 0;
  for (const node of redis.nodes('master')) {
    const info = await node.info('cpu');
    for (const [, used] of info.matchAll(/used_cpu_(?:sys|user):([\d.]+)/g)) seconds += Number(used);
  }
  return seconds;
}

/** EVALSHA calls the masters have answered (INFO commandstats). */
async function scriptCalls(redis: Cluster): Promise<number> {
  let calls = 0;
  for (const node of redis.nodes('master')) {
    calls += Number(/cmdstat_evalsha:calls=(\d+)/.exec(await node.info('commandstats'))?.[1] ?? 0);
  }
  return calls;
}

export const clusterGet: Workload = {
  // Selected on the command line by "cluster".
  name: 'getMany on a 3-master cluster',
  run({ rounds, log }) {
    return withLocalCluster(3, log, async ({ redis, connect }) => {
      const value = 'v'.repeat(100);
      const spreadKeys = Array.from({ length: KEYS }, (_, i) => `popoto-bench:spread:${i}`);
      const oneNodeKeys = Array.from({ length: KEYS }, (_, i) => `popoto-bench:{one}:${i}`);
      log(`seeding ${KEYS * 2} keys`);
      await setMany(
        [...spreadKeys, ...oneNodeKeys].map((key) => [key, value]),
        { redis },
      );
      // A user who may not run scripts (this cluster is the bench's own): its reads go the per-slot way.
      const user = `popoto-bench-noeval-${randomBytes(4).toString('hex')}`;
      const password = randomBytes(12).toString('hex');
      for (const node of redis.nodes('master')) {
        await node.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '&*', '+@all', '-eval', '-evalsha');
      }
      const noScripts = connect({ enableAutoPipelining: true, redisOptions: { username: user, password } });
      const read = (name: string, keys: string[], client: Cluster) => async (): Promise<void> => {
        const values = await getMany(keys, { redis: client });
        if (values.some((read) => read !== value)) throw new Error(`cluster getMany (${name}) read a wrong value`);
      };
      const contenders = [
        { name: 'spread', ops: KEYS, run: read('spread', spreadKeys, redis) },
        { name: 'spread, pipelines', ops: KEYS, run: read('spread, pipelines', spreadKeys, noScripts) },
        { name: 'one node', ops: KEYS, run: read('one node', oneNodeKeys, redis) },
      ];
      const scriptsBefore = await scriptCalls(redis);
      log(`measuring ${contenders.length} contenders × ${rounds} rounds`);
      const measured = await measureRounds(rounds, contenders);
      // The script path ran (a failing script would fall back unseen, and this row would lie).
      if ((await scriptCalls(redis)) - scriptsBefore < rounds * 3) throw new Error('the cross-slot script did not run');
      // The masters' CPU time per key read, each contender once more, outside the timed rounds.
      const cpuPerKey = new Map<string, string>();
      for (const { name, run } of contenders) {
        const before = await mastersCpu(redis);
        await run();
        cpuPerKey.set(name, ((((await mastersCpu(redis)) - before) * 1e6) / KEYS).toFixed(2));
      }
      const m = (name: string): Measured => measured.get(name) ?? { median: 0, min: 0, max: 0 };
      const row = (contender: string, x: Measured) => ({ workload, contender, opsPerSec: x.median, note: spread(x) });
      return {
        rows: [
          row('getMany, keys spread over the 3 masters (a script per batch of a node)', m('spread')),
          row('getMany, the same keys by a user without EVAL (pipelines of per-slot MGETs)', m('spread, pipelines')),
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
        notes: [
          `cluster getMany, spread keys: a script per batch / pipelines of per-slot MGETs: ${(m('spread').median / m('spread, pipelines').median).toFixed(2)}; ` +
            `the masters' CPU per key read: script ${cpuPerKey.get('spread')} µs, per-slot MGETs ${cpuPerKey.get('spread, pipelines')} µs, one node's MGETs ${cpuPerKey.get('one node')} µs`,
        ],
      };
    });
  },
};
