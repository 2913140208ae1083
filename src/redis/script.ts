import { createHash } from 'node:crypto';
import type { RedisClient } from './connection.js';

/**
 * A Lua script sent by its SHA1 (EVALSHA), and with its source (EVAL, which also loads it)
 * only when a server answers NOSCRIPT: after a restart, on a new cluster node, or the first
 * time. The source crosses the wire once per server, not once per call.
 */
export class Script {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Runs the script with `keys` (prefixed by a client keyPrefix, routed by slot on a cluster) and `args`. */
  async run(
    client: RedisClient,
    keys: readonly string[],
    args: readonly (string | Buffer | number)[],
  ): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
