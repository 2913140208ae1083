// `npm run soak -- --seconds N [--seed S] [--wait-replicas N] [--timeout-ms MS] [--self-test]`: the chaos soak. It
// starts a 3-master + 3-replica cluster on free loopback ports (30000-39999, bus ports +10000),
// runs the mixed load of workload.ts through the public API while the seeded scheduler of
// faults.ts breaks the cluster, then checks the invariants of invariants.ts with a fresh client
// and writes soak.json and soak-timeline.svg to bench/report/ (or SOAK_OUT). Exit code 1 when an
// invariant broke. `--self-test` plants every kind of violation in a short run and exits 1
// unless each one is caught.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster } from 'ioredis';
import { connect, disconnect, Publisher } from '../../src/index.js';
import { startFaultCluster } from './fault-cluster.js';
import { heal, runFaults, type Fault } from './faults.js';
import { checkInvariants, VIOLATION_KINDS, type Verdict } from './invariants.js';
import { Ledger, WRITE_KINDS } from './ledger.js';
import { renderTimeline } from './timeline.js';
import { bodyOf, CHANNEL, runLoad } from './workload.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    seed: { type: 'string' },
    'wait-replicas': { type: 'string' },
    'timeout-ms': { type: 'string', default: '5000' },
    'self-test': { type: 'boolean', default: false },
  },
});
const selfTest = args['self-test'];
const seconds = selfTest ? 12 : Number(args.seconds);
const seed = args.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(args.seed);
const waitReplicas = args['wait-replicas'] === undefined ? undefined : Number(args['wait-replicas']);
/** connect()'s timeoutMs: a failover slower than this fails writes (reported) by design. */
const timeoutMs = Number(args['timeout-ms']);
if (!(seconds > 0) || !Number.isInteger(seed)) throw new RangeError('--seconds must be > 0 and --seed an integer');
/** RSS may grow this much (MB) after the warm-up: the load's key spaces and ledger are bounded. */
const RSS_BOUND_MB = 64;
const out = process.env.SOAK_OUT ?? join('bench', 'report');
const log = (line: string): void => void process.stderr.write(`  … ${line}\n`);

const ledger = new Ledger();
process.on('unhandledRejection', (reason) => {
  ledger.unhandledRejections.push(reason instanceof Error ? reason.message : String(reason));
});

log(
  `seed ${seed}, ${seconds} s${selfTest ? ' (self-test)' : ''}${waitReplicas === undefined ? '' : `, waitReplicas ${waitReplicas}`}`,
);
const cluster = await startFaultCluster({
  masters: 3,
  replicasPerMaster: 1,
  nodeTimeoutMs: 1000,
  portRange: [30000, 39999],
});
let verdict: Verdict | undefined;
let faults: Fault[] = [];
try {
  await connect({ clusterNodes: cluster.seeds, quiet: true, timeoutMs });
  const stop = new AbortController();
  const rssMb: number[] = [];
  const warmUpMs = Math.min(15_000, (seconds * 1000) / 3);
  // RSS after a full GC (the script runs node --expose-gc), once the key spaces are full, and
  // again at the end: what the process kept, not what the collector had not yet reclaimed.
  const settledRss = (): number => {
    (globalThis as { gc?: () => void }).gc?.();
    return process.memoryUsage().rss / 2 ** 20;
  };
  const sampler = setTimeout(() => rssMb.push(settledRss()), warmUpMs);
  const loading = runLoad({ stop: stop.signal, ledger, waitReplicas });
  // The self-test breaks nothing in the cluster: every violation it finds is one it planted.
  const faulting = selfTest
    ? Promise.resolve([])
    : runFaults({ cluster, seed, stop: stop.signal, started: ledger.started, log });
  const planted = selfTest ? plantDuringRun() : Promise.resolve();
  await sleep(seconds * 1000);
  stop.abort();
  faults = await faulting;
  const { backgroundPending } = await loading;
  await planted;
  await heal(cluster);
  const fresh = new Cluster(
    cluster.seeds.split(',').map((seedNode) => ({ host: '127.0.0.1', port: Number(seedNode.split(':')[1]) })),
    {
      enableAutoPipelining: true,
    },
  );
  try {
    const held = selfTest ? await plantAfterRun(fresh) : [];
    clearTimeout(sampler);
    rssMb.push(settledRss());
    verdict = await checkInvariants({
      ledger,
      faults,
      cluster,
      fresh,
      backgroundPending,
      rssMb,
      rssBoundMb: RSS_BOUND_MB,
    });
    held.length = 0;
  } finally {
    fresh.disconnect();
  }
} finally {
  await disconnect();
  await cluster.stop();
}

const report = {
  command: `npm run soak -- --seconds ${seconds} --seed ${seed}${waitReplicas === undefined ? '' : ` --wait-replicas ${waitReplicas}`}${timeoutMs === 5000 ? '' : ` --timeout-ms ${timeoutMs}`}`,
  seed,
  seconds,
  selfTest,
  waitReplicas: waitReplicas ?? null,
  faults: Object.fromEntries(
    ['kill', 'sigstop', 'failover', 'client-kill', 'pubsub-kill'].map((kind) => [
      kind,
      faults.filter((f) => f.kind === kind).length,
    ]),
  ),
  operations: totals('ops'),
  writesReportedFailed: Object.fromEntries(WRITE_KINDS.map((kind) => [kind, ledger.failedByKind[kind] ?? 0])),
  errors: ledger.failedByKind,
  firstErrors: ledger.failures,
  messages: { published: ledger.published.size, received: ledger.received.length },
  verdict,
  faultLog: faults,
};
await mkdir(out, { recursive: true });
const name = selfTest ? 'soak-self-test' : 'soak';
await writeFile(join(out, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
await writeFile(join(out, `${name}-timeline.svg`), await renderTimeline(ledger.seconds, faults, report.command));
process.stdout.write(`${JSON.stringify({ ...report, faultLog: undefined, firstErrors: undefined }, null, 2)}\n`);

if (selfTest) {
  const caught = new Set(verdict?.violations.map((v) => v.kind));
  for (const kind of VIOLATION_KINDS) process.stdout.write(`${caught.has(kind) ? 'caught ' : 'MISSED '} ${kind}\n`);
  process.exitCode = VIOLATION_KINDS.every((kind) => caught.has(kind)) ? 0 : 1;
} else {
  const broken = verdict?.violations ?? [];
  process.stdout.write(
    broken.length === 0 ? 'every invariant held\n' : `INVARIANTS BROKEN: ${broken.map((v) => v.kind).join(', ')}\n`,
  );
  process.exitCode = broken.length === 0 ? 0 : 1;
}

function totals(which: 'ops'): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const second of ledger.seconds) for (const [k, v] of Object.entries(second[which])) sum[k] = (sum[k] ?? 0) + v;
  return sum;
}

/** Self-test, while the load runs: a duplicate and a corrupt message, through Redis itself. */
async function plantDuringRun(): Promise<void> {
  await sleep(3000);
  const publisher = new Publisher();
  const [first] = ledger.received;
  if (first !== undefined) await publisher.publish(CHANNEL, { seq: first, body: bodyOf(first) });
  await publisher.publish(CHANNEL, { seq: 1_000_000, body: 'tampered' });
  // A message the load was told is published but that was never sent: lost outside any fault.
  ledger.published.set(2_000_000, Date.now());
  // A write that is never acknowledged nor reported, and a promise that never settles.
  ledger.sending('setMany', 'soak:planted:unaccounted');
  void ledger.track(new Promise(() => undefined));
  // A rejection nobody handles.
  void Promise.reject(new Error('planted unhandled rejection'));
}

/** Self-test, after the load: an acknowledged key deleted, another's TTL removed, memory held past the RSS bound. */
async function plantAfterRun(fresh: Cluster): Promise<Buffer[]> {
  const acked = [...ledger.keys].filter(([, history]) => history.acked !== undefined && history.maybe.length === 0);
  const plain = acked.filter(([, history]) => history.kind === 'setMany');
  await fresh.del(plain[0]![0]);
  await fresh.persist(plain[1]![0]);
  // Twice the bound: the warm-up sample may stand above the end's settled RSS by tens of MB (the
  // load's buffers freed), and the planted growth must exceed the bound whatever that offset.
  return Array.from({ length: 2 * RSS_BOUND_MB + 16 }, () => Buffer.alloc(2 ** 20, 1));
}
