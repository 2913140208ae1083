// The local Redis Cluster of a bench workload: its own (started by the workload, stopped at its
// end), never the Redis the bench is pointed at, with an auto-pipelined Cluster client on it.
import { Cluster, type ClusterOptions } from 'ioredis';
import { startLocalCluster } from '../test/helpers/local-cluster.js';

/** What a workload gets while its cluster runs. */
export interface BenchCluster {
  /** An auto-pipelined Cluster client, as popoto-ts's own connection is. */
  redis: Cluster;
  /** Another Cluster client on the same nodes, with `options`; closed with the cluster. */
  connect: (options: ClusterOptions) => Cluster;
}

/** Starts a cluster of `masters` masters, runs `body` on it, then closes its clients and stops it. */
export async function withLocalCluster<T>(
  masters: number,
  log: (message: string) => void,
  body: (cluster: BenchCluster) => Promise<T>,
): Promise<T> {
  log(`starting a local cluster of ${masters} masters`);
  const cluster = await startLocalCluster(masters);
  const seeds = cluster.nodes.split(',').map((node) => ({ host: '127.0.0.1', port: Number(node.split(':')[1]) }));
  const clients: Cluster[] = [];
  const connect = (options: ClusterOptions): Cluster => {
    const client = new Cluster(seeds, options);
    clients.push(client);
    return client;
  };
  try {
    return await body({ redis: connect({ enableAutoPipelining: true }), connect });
  } finally {
    for (const client of clients) client.disconnect();
    await cluster.stop();
  }
}
