import { createServer } from 'node:net';
import { RedisServerStartError } from './errors.js';

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return listenOnce(0);
}

/**
 * A free port whose companion `port + offset` is free too and below 65536 (a cluster node
 * also listens on its bus port, port + 10000).
 */
export async function freePortWithCompanion(offset: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort();
    if (port + offset > 65535) continue;
    try {
      await listenOnce(port + offset);
      return port;
    } catch {
      // companion taken; try another
    }
  }
  throw new RedisServerStartError(`no free port p with p + ${offset} also free`);
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new RedisServerStartError('could not read the port of a probe socket'));
      });
    });
  });
}

/**
 * A free port of 127.0.0.1 in `[low, high]` whose companion `port + offset` is free too, found by
 * probing from a random start (so that processes probing the same range rarely collide), leaving
 * out `skip` (ports already handed out but not yet bound).
 */
export async function freePortInRange(
  low: number,
  high: number,
  offset: number,
  skip: ReadonlySet<number> = new Set(),
): Promise<number> {
  const size = high - low + 1;
  const first = Math.floor(Math.random() * size);
  for (let i = 0; i < size; i++) {
    const port = low + ((first + i) % size);
    if (skip.has(port) || port + offset > 65535) continue;
    try {
      await listenOnce(port);
      await listenOnce(port + offset);
      return port;
    } catch {
      // taken; try the next
    }
  }
  throw new RedisServerStartError(`no free port p in ${low}-${high} with p + ${offset} also free`);
}
