// Finding a test's own keys: SCAN with the prefix in the pattern, on the server or on every
// master of a cluster. Never KEYS (it blocks a user's Redis and sees everyone's keys). Kept free
// of vitest imports and of the code under test (plain ioredis SCAN), so the global setup's data
// guard can rely on it. Deleting is the library's own deleteKeysUnder (see useKeyPrefix).
import { Cluster, type Redis } from 'ioredis';
import { escapeGlob } from '../../src/redis/escape-glob.js';

/** Every key matching `pattern`: SCAN on the server, or on every master of a cluster. */
export async function scanAll(client: Redis | Cluster, pattern: string): Promise<string[]> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  const keys = new Set<string>();
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const key of batch) keys.add(key);
    } while (cursor !== '0');
  }
  return [...keys];
}

/** Every key that starts with `prefix` (taken literally: glob characters in it are escaped). */
export function keysUnder(client: Redis | Cluster, prefix: string): Promise<string[]> {
  return scanAll(client, `${escapeGlob(prefix)}*`);
}
