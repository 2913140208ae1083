import { createServer } from 'node:net';

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
  throw new Error(`no free port p with p + ${offset} also free`);
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
        else reject(new Error('could not read the port of a probe socket'));
      });
    });
  });
}
