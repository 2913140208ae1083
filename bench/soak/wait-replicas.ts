// `npx tsx bench/soak/wait-replicas.ts`: what `waitReplicas` costs, measured side by side on one
// local 3-master + 3-replica cluster (no faults): `setMany` of 100,000 keys with a TTL, and
// background-style model saves with a TTL (1,000 concurrent at a time), each without
// `waitReplicas` and with `waitReplicas: 1` (one WAIT per shard and batch for setMany, one per
// save). The rounds alternate the two settings so that drift hits both alike.
import { connect, disconnect, setMany } from '../../src/redis/index.js';
import { defineModel, Field, KeyField } from '../../src/models/index.js';
import { startFaultCluster } from './fault-cluster.js';

const KEYS = Number(process.env.KEYS ?? 100_000);
const SAVES = Number(process.env.SAVES ?? 20_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);

const cluster = await startFaultCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000 });
await connect({ clusterNodes: cluster.seeds });
const Item = defineModel('WaitCostItem', { id: KeyField(), value: Field() });

async function perSecond(count: number, run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return count / ((performance.now() - started) / 1000);
}

function saves(waitReplicas: number | undefined): Promise<void> {
  return (async () => {
    for (let start = 0; start < SAVES; start += 1000) {
      await Promise.all(
        Array.from({ length: Math.min(1000, SAVES - start) }, (_, i) =>
          new Item({ id: `w${start + i}`, value: `v${i}` }).save({ expire: 600, waitReplicas }),
        ),
      );
    }
  })();
}

const entries = Array.from({ length: KEYS }, (_, i) => [`wait-cost:${i}`, `value-${i}`] as const);
const results: Record<string, { off: number[]; on: number[] }> = {
  [`setMany ${KEYS} keys with TTL`]: { off: [], on: [] },
  [`model save with TTL, ${SAVES} records`]: { off: [], on: [] },
};
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const waitReplicas of [undefined, 1]) {
      const side = waitReplicas === undefined ? 'off' : 'on';
      results[`setMany ${KEYS} keys with TTL`]![side].push(
        await perSecond(KEYS, () => setMany(entries, { expire: 600, waitReplicas })),
      );
      results[`model save with TTL, ${SAVES} records`]![side].push(await perSecond(SAVES, () => saves(waitReplicas)));
    }
  }
} finally {
  await disconnect();
  await cluster.stop();
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
process.stdout.write(
  `| workload (3+3 local cluster, median of ${ROUNDS}) | without waitReplicas, ops/s | waitReplicas: 1, ops/s | with / without |\n| --- | --- | --- | --- |\n`,
);
for (const [name, { off, on }] of Object.entries(results)) {
  process.stdout.write(
    `| ${name} | ${Math.round(median(off))} | ${Math.round(median(on))} | ${(median(on) / median(off)).toFixed(2)} |\n`,
  );
}
