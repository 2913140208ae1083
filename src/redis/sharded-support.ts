import { isCluster, type RedisClient } from './connection.js';
import { ShardedPubSubUnsupportedError } from './errors.js';

/** The commands sharded pub/sub sends. */
const SHARDED_COMMANDS = ['SPUBLISH', 'SSUBSCRIBE', 'SUNSUBSCRIBE'] as const;

/** One check per client: the answer does not change while it is connected to the same servers. */
const checks = new WeakMap<object, Promise<void>>();

/**
 * Resolves if the server (on a cluster: a node of it) knows SPUBLISH, SSUBSCRIBE and
 * SUNSUBSCRIBE; rejects with a ShardedPubSubUnsupportedError naming its `redis_version` if not.
 * Asked with COMMAND INFO, which answers nil for a command the server does not have (a Redis 6,
 * or a Redis 7 with the command renamed away), rather than by comparing version numbers, so the
 * answer is what the server will actually do. A failed check is asked again next time.
 */
export function assertShardedPubSub(client: RedisClient): Promise<void> {
  let check = checks.get(client);
  if (check === undefined) {
    check = checkServer(client);
    checks.set(client, check);
    check.catch(() => checks.delete(client));
  }
  return check;
}

async function checkServer(client: RedisClient): Promise<void> {
  // A cluster client sends a keyless command to one node; all nodes of a cluster run one version.
  if (isCluster(client) && client.status !== 'ready') await client.ping();
  const infos = (await client.call('COMMAND', 'INFO', ...SHARDED_COMMANDS)) as unknown[];
  const missing = SHARDED_COMMANDS.filter((_, i) => !Array.isArray(infos[i]));
  if (missing.length === 0) return;
  const info = String(await client.call('INFO', 'server'));
  const version = /^redis_version:(\S+)/m.exec(info)?.[1];
  throw new ShardedPubSubUnsupportedError(version, missing);
}
