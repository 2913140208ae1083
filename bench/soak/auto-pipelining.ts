// `npx tsx bench/soak/auto-pipelining.ts`: what auto-pipelining is worth on a Redis Cluster client,
// measured side by side on one local 3-master cluster: model saves with TTL, model reads
// (query.get) and SETs through the client, each as 1,000 concurrent calls at a time, with ioredis's
// enableAutoPipelining on and off. It decides the shared Cluster client's setting (connection.ts):
// with it on, a failover makes ioredis reject whole auto-pipelines ("All keys in the pipeline should
// belong to the same slots allocation group") that no retry rule of ours can reach for commands
// sent through getRedis().
import { Cluster } from 'ioredis';
import { defineModel, Field, KeyField } from '../../src/index.js';
import { startLocalCluster } from '../../test/helpers/local-cluster.js';

const COUNT = Number(process.env.COUNT ?? 50_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const cluster = await startLocalCluster(3);
const seeds = cluster.nodes.split(',').map((node) => ({ host: '127.0.0.1', port: Number(node.split(':')[1]) }));

async function rate(run: (i: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (let start = 0; start < COUNT; start += 1000) {
    await Promise.all(Array.from({ length: Math.min(1000, COUNT - start) }, (_, i) => run(start + i)));
  }
  return COUNT / ((performance.now() - started) / 1000);
}

const results: Record<string, Record<string, number[]>> = {};
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const enableAutoPipelining of [true, false]) {
      const client = new Cluster(seeds, { enableAutoPipelining });
      await new Promise((resolve) => client.once('ready', resolve));
      const Item = defineModel('PipeItem', { id: KeyField(), value: Field() }, { redis: client });
      const row = (results[enableAutoPipelining ? 'on' : 'off'] ??= {});
      (row['model save (expire)'] ??= []).push(
        await rate((i) => Item.create({ id: `k${i % 5000}`, value: `v${i}` }, { expire: 600 })),
      );
      (row['model get'] ??= []).push(await rate((i) => Item.query.get({ id: `k${i % 5000}` })));
      (row['SET through the client'] ??= []).push(
        await rate((i) => client.set(`pipe:${i % 5000}`, `v${i}`, 'EX', 600)),
      );
      client.disconnect();
    }
  }
} finally {
  await cluster.stop();
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
process.stdout.write(
  `| workload (${COUNT} calls, 1,000 at a time, median of ${ROUNDS}) | auto-pipelining on, ops/s | off, ops/s | off / on |\n| --- | --- | --- | --- |\n`,
);
for (const name of Object.keys(results.on!)) {
  const on = median(results.on![name]!);
  const off = median(results.off![name]!);
  process.stdout.write(`| ${name} | ${Math.round(on)} | ${Math.round(off)} | ${(off / on).toFixed(2)} |\n`);
}
