// The soak's verdict, reached with a fresh client (not the one the load used): what Redis holds
// against what the load was told, and what the process was left with.
import type { Cluster } from 'ioredis';
import { defineModel, getMany } from '../../src/index.js';
import { keySlot } from '../../src/redis/key-slot.js';
import type { FaultCluster } from './fault-cluster.js';
import type { Fault } from './faults.js';
import type { Ledger } from './ledger.js';
import { modelFields, TTL_SECONDS } from './workload.js';

/** Every kind of violation the soak looks for; `--self-test` plants each one. */
export const VIOLATION_KINDS = [
  'lost-write',
  'wrong-ttl',
  'unaccounted-write',
  'pending-promise',
  'unhandled-rejection',
  'pubsub-duplicate',
  'pubsub-corrupt',
  'pubsub-loss',
  'rss',
] as const;
export type ViolationKind = (typeof VIOLATION_KINDS)[number];

export interface Violation {
  kind: ViolationKind;
  count: number;
  /** The first few cases, for the report. */
  examples: string[];
}

/** What the checks found. */
export interface Verdict {
  violations: Violation[];
  checkedKeys: number;
  /** Acknowledged writes Redis itself discarded (asynchronous replication), told from the server logs: not ours. */
  discardedByRedis: { count: number; evidence: string[] };
  /** Published messages not received, all within fault windows (allowed). */
  messagesLostInFaults: number;
  rssGrowthMb: number;
}

/** Inputs of `checkInvariants`. */
export interface CheckInputs {
  ledger: Ledger;
  faults: Fault[];
  cluster: FaultCluster;
  fresh: Cluster;
  backgroundPending: number;
  /** RSS after a full GC, MB: once warmed up, and at the end. */
  rssMb: number[];
  rssBoundMb: number;
}

/** An acknowledged write this long (ms) before its master was killed or stalled may not have reached the replica. */
const REPLICATION_WINDOW_MS = 1000;
/** A message published this close (ms) to a fault may be lost with a subscriber's connection. */
const FAULT_GRACE_MS = 2000;

export async function checkInvariants(inputs: CheckInputs): Promise<Verdict> {
  const { ledger, faults, fresh } = inputs;
  const found = new Map<ViolationKind, Violation>();
  const violate = (kind: ViolationKind, example: string): void => {
    const entry = found.get(kind) ?? { kind, count: 0, examples: [] };
    entry.count++;
    if (entry.examples.length < 5) entry.examples.push(example);
    found.set(kind, entry);
  };

  // Values and TTLs of every key with an acknowledged or reported write.
  const entries = [...ledger.keys];
  const plain = entries.filter(([, history]) => history.kind !== 'modelSave');
  const values = await getMany(
    plain.map(([key]) => key),
    { redis: fresh, retries: 5 },
  );
  const actual = new Map<string, string | null>(plain.map(([key], i) => [key, values[i] ?? null]));
  const Fresh = defineModel('SoakRecord', modelFields, { redis: fresh });
  const models = entries.filter(([, history]) => history.kind === 'modelSave');
  const records = await Promise.all(models.map(([key]) => Fresh.query.get({ id: key.slice('SoakRecord:'.length) })));
  models.forEach(([key], i) => actual.set(key, records[i]?.value ?? null));
  // The ledger names a record `SoakRecord:<id>`; in Redis its key is hash-tagged on a cluster.
  const redisKey = (key: string, kind: string): string =>
    kind === 'modelSave' ? Fresh.keyPattern({ id: key.slice('SoakRecord:'.length) }) : key;
  const ttls = await Promise.all(entries.map(([key, history]) => fresh.ttl(redisKey(key, history.kind))));

  const logs = await victimLogs(inputs.cluster, faults);
  const discarded: string[] = [];
  entries.forEach(([key, history], i) => {
    const value = actual.get(key) ?? null;
    const allowed = [...(history.acked === undefined ? [] : [history.acked.value]), ...history.maybe];
    if (history.acked === undefined && value === null) return; // only failed writes, none applied
    if (value !== null && allowed.includes(value)) {
      const ttl = ttls[i]!;
      if (!(ttl > 0 && ttl <= TTL_SECONDS)) violate('wrong-ttl', `${key}: TTL ${ttl}`);
      return;
    }
    const explanation =
      history.acked === undefined
        ? undefined
        : discardedBy(redisKey(key, history.kind), history.acked.at - ledger.started, faults, logs);
    if (explanation !== undefined) discarded.push(`${key}: ${explanation}`);
    else
      violate(
        'lost-write',
        `${key}: acknowledged ${JSON.stringify(history.acked?.value)}, found ${JSON.stringify(value)}`,
      );
  });

  for (const [key, kind] of ledger.inFlight)
    violate('unaccounted-write', `${kind} ${key}: neither acknowledged nor reported failed`);
  for (let i = 0; i < ledger.pending.size; i++) violate('pending-promise', 'a promise of the load never settled');
  if (inputs.backgroundPending > 0) {
    for (let i = 0; i < inputs.backgroundPending; i++)
      violate('pending-promise', 'a background save still pending after drain');
  }
  for (const reason of ledger.unhandledRejections) violate('unhandled-rejection', reason);

  // Pub/sub: no duplicate, no corrupt message; a published message missing only near a fault.
  const seen = new Set<number>();
  for (const seq of ledger.received) {
    if (seen.has(seq)) violate('pubsub-duplicate', `message ${seq} received twice`);
    seen.add(seq);
  }
  for (let i = 0; i < ledger.corrupt; i++) violate('pubsub-corrupt', 'a message whose body is not what was published');
  let lostInFaults = 0;
  for (const [seq, at] of ledger.published) {
    if (seen.has(seq)) continue;
    const t = at - ledger.started;
    if (faults.some((fault) => t >= fault.start - FAULT_GRACE_MS && t <= fault.end + FAULT_GRACE_MS)) lostInFaults++;
    else violate('pubsub-loss', `message ${seq} (published at ${t} ms, outside every fault) never received`);
  }

  const growth = inputs.rssMb.length < 2 ? 0 : inputs.rssMb.at(-1)! - inputs.rssMb[0]!;
  if (growth > inputs.rssBoundMb) violate('rss', `RSS grew ${growth.toFixed(1)} MB (bound ${inputs.rssBoundMb} MB)`);

  return {
    violations: [...found.values()],
    checkedKeys: entries.length,
    discardedByRedis: { count: discarded.length, evidence: discarded.slice(0, 10) },
    messagesLostInFaults: lostInFaults,
    rssGrowthMb: Math.round(growth * 10) / 10,
  };
}

/** What the logs of each killed or stalled master say about its last writes. */
async function victimLogs(cluster: FaultCluster, faults: Fault[]): Promise<Map<Fault, string>> {
  const logs = new Map<Fault, string>();
  for (const fault of faults) {
    if (fault.kind !== 'kill' && fault.kind !== 'sigstop') continue;
    const node = cluster.nodes.find((n) => n.port === fault.port);
    if (node !== undefined) logs.set(fault, await cluster.log(node));
  }
  return logs;
}

/**
 * Why Redis itself may have discarded an acknowledged write to `key` (acknowledged `at` ms into
 * the run), or undefined: its slot's master was killed or stalled right after acknowledging it,
 * a replica was promoted without it (asynchronous replication), and the old master's log shows
 * it came back as a replica of the new one, dropping its own data set.
 */
export function discardedBy(key: string, at: number, faults: Fault[], logs: Map<Fault, string>): string | undefined {
  const slot = keySlot(key);
  for (const fault of faults) {
    if (fault.kind !== 'kill' && fault.kind !== 'sigstop') continue;
    if (at > fault.start || at < fault.start - REPLICATION_WINDOW_MS) continue;
    if (!fault.slots.some(([low, high]) => slot >= low && slot <= high)) continue;
    const log = logs.get(fault) ?? '';
    const line = /.*(Reconfiguring myself as a replica|MASTER <-> REPLICA sync: Flushing old data).*/.exec(log)?.[0];
    if (fault.kind === 'kill') {
      return `acknowledged ${fault.start - at} ms before its master (${fault.port}) was killed: a replica took over without it`;
    }
    if (line !== undefined)
      return `acknowledged ${fault.start - at} ms before its master (${fault.port}) was stalled; its log: ${line.trim()}`;
  }
  return undefined;
}
