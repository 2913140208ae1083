import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded-server.js';

const execFileAsync = promisify(execFile);

/** A throwaway Redis Cluster of `masters` nodes on free ports of 127.0.0.1. */
export interface LocalCluster {
  /** `127.0.0.1:p1,127.0.0.1:p2,...` */
  nodes: string;
  stop(): Promise<void>;
}

/**
 * Starts `masters` redis-servers with `--cluster-enabled yes` (no persistence, private temp
 * dirs), joins them with `redis-cli --cluster create`, and waits until every node reports
 * `cluster_state:ok`. Anything missing is an error: the caller must not skip cluster tests.
 */
export async function startLocalCluster(masters = 3): Promise<LocalCluster> {
  const base = await mkdtemp(join(tmpdir(), 'popoto-cluster-'));
  const servers: EmbeddedRedis[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((server) => server.stop()));
    await rm(base, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      const dir = await mkdtemp(join(base, `node-${i}-`));
      servers.push(
        await startEmbeddedRedis({
          dir,
          clusterBus: true,
          args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '5000'],
        }),
      );
    }
    const addresses = servers.map((server) => `127.0.0.1:${server.port}`);
    await execFileAsync('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
    const deadline = Date.now() + 20_000;
    for (const server of servers) {
      for (;;) {
        const { stdout } = await execFileAsync('redis-cli', ['-p', String(server.port), 'cluster', 'info']);
        if (stdout.includes('cluster_state:ok')) break;
        if (Date.now() > deadline)
          throw new Error(`cluster node ${server.port} never reached cluster_state:ok:\n${stdout}`);
        await sleep(100);
      }
    }
    return { nodes: addresses.join(','), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
