// The soak's fault scheduler: seeded, so that a run is reproduced by its seed. One fault at a
// time, each followed by the cluster healing (every slot served, every master with a synced
// replica) before the next: a master killed (restarted once its replica took over), a master
// stalled with SIGSTOP past the node timeout (resumed after its replica took over), a manual
// failover, CLIENT KILL of normal connections and of pub/sub connections.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultCluster, FaultNode } from './fault-cluster.js';

export const FAULT_KINDS = ['kill', 'sigstop', 'failover', 'client-kill', 'pubsub-kill'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** One fault, as it happened: ms since the run started, from the fault to the cluster healed. */
export interface Fault {
  kind: FaultKind;
  port: number;
  start: number;
  end: number;
  /** The hash slots the victim served when the fault began (kill, sigstop, failover). */
  slots: [number, number][];
}

/** A small seeded PRNG (mulberry32): the same seed, the same faults in the same order. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Options of `runFaults`. */
export interface FaultOptions {
  cluster: FaultCluster;
  seed: number;
  stop: AbortSignal;
  /** ms since the run started (the ledger's clock). */
  started: number;
  /** Pause between a healed cluster and the next fault, ms: [min, max). Default [2000, 5000). */
  gapMs?: [number, number];
  log?: (line: string) => void;
}

/** Runs faults until `stop` aborts (the fault under way is finished and healed); resolves with them. */
export async function runFaults(options: FaultOptions): Promise<Fault[]> {
  const { cluster, stop, started, gapMs = [2000, 5000], log = () => undefined } = options;
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const faults: Fault[] = [];
  const nodeAt = (port: number): FaultNode => cluster.nodes.find((node) => node.port === port)!;
  while (!stop.aborted) {
    await sleep(gapMs[0] + random() * (gapMs[1] - gapMs[0]));
    if (stop.aborted) break;
    const kind = pick(FAULT_KINDS);
    const masters = await cluster.masters();
    const victim = nodeAt(pick(masters));
    const slots = await slotsOf(cluster, victim.port);
    const start = Date.now() - started;
    log(`${(start / 1000).toFixed(1)} s: ${kind} ${victim.port}`);
    switch (kind) {
      case 'kill':
        cluster.kill(victim);
        await untilTakenOver(cluster, victim.port);
        await cluster.restart(victim);
        break;
      case 'sigstop':
        cluster.kill(victim, 'SIGSTOP');
        await untilTakenOver(cluster, victim.port);
        cluster.kill(victim, 'SIGCONT');
        break;
      case 'failover': {
        const replica = await replicaOf(cluster, victim.port);
        if (replica !== undefined) await cluster.cli(replica, 'cluster', 'failover');
        break;
      }
      case 'client-kill':
        await cluster.cli(victim.port, 'client', 'kill', 'type', 'normal');
        break;
      case 'pubsub-kill':
        for (const node of cluster.nodes) await cluster.cli(node.port, 'client', 'kill', 'type', 'pubsub');
        break;
    }
    await heal(cluster);
    faults.push({ kind, port: victim.port, start, end: Date.now() - started, slots });
  }
  return faults;
}

/** The slot ranges `port` serves, per CLUSTER NODES. */
async function slotsOf(cluster: FaultCluster, port: number): Promise<[number, number][]> {
  const line = (await cluster.cli(port, 'cluster', 'nodes')).split('\n').find((l) => l.includes('myself'));
  return (line ?? '')
    .split(' ')
    .slice(8)
    .filter((range) => /^\d/.test(range))
    .map((range) => {
      const [low, high = low] = range.split('-').map(Number);
      return [low!, high!];
    });
}

/** A replica (port) of the master at `port` whose link is up, per that master's INFO replication. */
async function replicaOf(cluster: FaultCluster, port: number): Promise<number | undefined> {
  const info = await cluster.cli(port, 'info', 'replication');
  const match = /slave\d+:ip=[^,]+,port=(\d+),state=online/.exec(info);
  return match === null ? undefined : Number(match[1]);
}

/** Waits until another node serves what `port` did: it is no longer among the masters. */
async function untilTakenOver(cluster: FaultCluster, port: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  const other = cluster.nodes.find((node) => node.port !== port && !cluster.isDead(node))!;
  while (Date.now() < deadline) {
    const masters = await cluster.masters(other.port).catch(() => [port]);
    if (!masters.includes(port) && masters.length >= 3) return;
    await sleep(100);
  }
  throw new Error(`no replica took over from ${port} within 30 s`);
}

/** Waits until the cluster is whole again: state ok everywhere, 3 masters each with a synced replica. */
export async function heal(cluster: FaultCluster): Promise<void> {
  const deadline = Date.now() + 60_000;
  await cluster.waitHealthy(60_000);
  for (;;) {
    const masters = await cluster.masters();
    const synced = await Promise.all(masters.map((port) => replicaOf(cluster, port)));
    if (masters.length === 3 && synced.every((replica) => replica !== undefined)) return;
    if (Date.now() > deadline) throw new Error(`the cluster did not heal within 60 s (masters ${masters.join(', ')})`);
    await sleep(200);
  }
}
