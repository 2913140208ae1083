import { inspect } from 'node:util';
import { connect, disconnect, isCluster } from '../redis/connection.js';

/** `popoto-ts doctor`: connects as the library would (same rules), then shows the server's version and mode. */
export async function runDoctor(): Promise<void> {
  const redis = await connect();
  try {
    const node = isCluster(redis) ? redis.nodes('master')[0]! : redis;
    const info = await node.info('server');
    const field = (name: string): string => new RegExp(`${name}:(\\S+)`).exec(info)?.[1] ?? '?';
    const masters = isCluster(redis) ? ` (${redis.nodes('master').length} masters)` : '';
    const lines = [
      `client:   ${inspect(redis)}`,
      `ping:     ${await node.ping()}`,
      `version:  ${field('redis_version')}`,
      `mode:     ${field('redis_mode')}${masters}`,
      // connect() has confirmed the index with the server, so this is where writes go.
      `database: ${isCluster(redis) ? '0 (a cluster has database 0 only)' : (redis.options.db ?? 0)}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await disconnect();
  }
}
