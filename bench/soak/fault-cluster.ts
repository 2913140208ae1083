// A throwaway Redis Cluster for fault tests and the chaos soak: masters with replicas, so that
// killing a master makes a replica take over, and a short cluster-node-timeout, so that it does so
// in about two seconds. Nodes can be killed, restarted on their port (they rejoin, as replicas
// once their replica took over), stopped and resumed (SIGSTOP/SIGCONT), and each keeps its log.
// (test/helpers/local-cluster.ts starts the shared, masters-only test cluster.)
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded-server.js';
import { freePortInRange } from '../../src/redis/free-port.js';

const execFileAsync = promisify(execFile);

/** One node of a fault cluster. */
export interface FaultNode {
  port: number;
  /** The redis-server's own pid (signal it to kill or stall the node); a restart changes it. */
  pid: number;
  server: EmbeddedRedis;
  /** Its working directory (nodes.conf, redis.log). */
  dir: string;
}

/** A running fault cluster. */
export interface FaultCluster {
  nodes: FaultNode[];
  /** Seed nodes for a client, `127.0.0.1:p1,127.0.0.1:p2,...` */
  seeds: string;
  /** `redis-cli -p <port> <args>` on one node, its stdout. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** The current masters, by port, per `CLUSTER NODES` as `port` sees it. */
  masters(port?: number): Promise<number[]>;
  /** Sends `signal` to a node's server; SIGKILL marks it dead for `masters` and `waitHealthy`. */
  kill(node: FaultNode, signal?: NodeJS.Signals): void;
  /** Starts a killed node again on its port and directory: it rejoins with its nodes.conf. */
  restart(node: FaultNode): Promise<void>;
  /** True while a node is killed and not restarted. */
  isDead(node: FaultNode): boolean;
  /** The node's log so far (loglevel notice). */
  log(node: FaultNode): Promise<string>;
  /** Waits until every live node reports cluster_state:ok (after a failover, say). */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Options of `startFaultCluster`. */
export interface FaultClusterOptions {
  masters?: number;
  replicasPerMaster?: number;
  /** cluster-node-timeout in ms: how long a silent node takes to be declared failed. Default 1000. */
  nodeTimeoutMs?: number;
  /** More redis-server arguments for every node (persistence, say). */
  args?: string[];
  /**
   * Ports to probe for free ones, `[low, high]` (each node's bus port, +10000, must be free too).
   * Default: ports the OS picks.
   */
  portRange?: [number, number];
}

export async function startFaultCluster(options: FaultClusterOptions = {}): Promise<FaultCluster> {
  const { masters = 3, replicasPerMaster = 1, nodeTimeoutMs = 1000, args = [], portRange } = options;
  const base = await mkdtemp(join(tmpdir(), 'popoto-fault-cluster-'));
  const nodes: FaultNode[] = [];
  const dead = new Set<FaultNode>();
  const stop = async (): Promise<void> => {
    for (const node of nodes) {
      // A stopped (SIGSTOP) server would not hear the request to exit.
      if (!dead.has(node)) signal(node, 'SIGCONT');
    }
    await Promise.all(nodes.map((node) => node.server.stop()));
    await rm(base, { recursive: true, force: true });
  };
  const cli = async (port: number, ...command: string[]): Promise<string> =>
    (await execFileAsync('redis-cli', ['-p', String(port), ...command], { timeout: 5000 })).stdout;
  const alive = (): FaultNode[] => nodes.filter((node) => !dead.has(node));
  const kill = (node: FaultNode, sent: NodeJS.Signals = 'SIGKILL'): void => {
    if (sent === 'SIGKILL') dead.add(node);
    process.kill(node.pid, sent);
  };
  const serverArgs = [
    '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf',
    '--cluster-node-timeout', String(nodeTimeoutMs), '--loglevel', 'notice', '--logfile', 'redis.log', ...args,
  ]; // prettier-ignore
  const start = async (dir: string, port: number | undefined): Promise<EmbeddedRedis> =>
    startEmbeddedRedis({ dir, clusterBus: true, port, args: serverArgs });
  const restart = async (node: FaultNode): Promise<void> => {
    await node.server.stop();
    node.server = await start(node.dir, node.port);
    node.pid = node.server.pid;
    dead.delete(node);
  };
  const waitHealthy = async (timeoutMs = 20_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (const node of alive()) {
      for (;;) {
        const info = await cli(node.port, 'cluster', 'info').catch((error: Error) => error.message);
        if (info.includes('cluster_state:ok')) break;
        if (Date.now() > deadline) throw new Error(`node ${node.port} never reached cluster_state:ok:\n${info}`);
        await sleep(50);
      }
    }
  };
  try {
    const total = masters * (1 + replicasPerMaster);
    const taken = new Set<number>();
    const started = await Promise.all(
      Array.from({ length: total }, async (_, i) => {
        const dir = await mkdtemp(join(base, `node-${i}-`));
        let port: number | undefined;
        if (portRange !== undefined) {
          port = await freePortInRange(portRange[0], portRange[1], 10_000, taken);
          taken.add(port);
        }
        return { dir, server: await start(dir, port) };
      }),
    );
    nodes.push(...started.map(({ dir, server }) => ({ port: server.port, pid: server.pid, server, dir })));
    await execFileAsync('redis-cli', [
      '--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`),
      '--cluster-replicas', String(replicasPerMaster), '--cluster-yes',
    ]); // prettier-ignore
    await waitHealthy();
    // A replica that has not finished its first sync cannot take over: wait for every link.
    const deadline = Date.now() + 20_000;
    for (const node of nodes) {
      for (;;) {
        const info = await cli(node.port, 'info', 'replication');
        if (info.includes('role:master') || info.includes('master_link_status:up')) break;
        if (Date.now() > deadline) throw new Error(`replica ${node.port} never synced:\n${info}`);
        await sleep(50);
      }
    }
    const mastersOf = async (port = alive()[0]!.port): Promise<number[]> => {
      const text = await cli(port, 'cluster', 'nodes');
      return text
        .split('\n')
        .filter((line) => / master /.test(line.replace(/,/g, ' ')) && !/fail/.test(line))
        .map((line) => Number(/:(\d+)@/.exec(line)?.[1]));
    };
    const seeds = nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
    return {
      nodes,
      seeds,
      cli,
      masters: mastersOf,
      kill,
      restart,
      isDead: (node) => dead.has(node),
      log: (node) => readFile(join(node.dir, 'redis.log'), 'utf8').catch(() => ''),
      waitHealthy,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function signal(node: FaultNode, sent: NodeJS.Signals): void {
  try {
    process.kill(node.pid, sent);
  } catch {
    // already gone
  }
}
