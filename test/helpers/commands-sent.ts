import type { Cluster, Redis } from 'ioredis';

/** Counts the commands of each name the client's master connections send, while `body` runs. */
export async function commandsSent<T>(
  client: Cluster,
  body: () => Promise<T>,
): Promise<{ result: T; sent: Map<string, number> }> {
  await client.ping();
  const nodes = client.nodes('master');
  const sent = new Map<string, number>();
  const seen = new WeakSet<object>();
  const originals = nodes.map((node) => node.sendCommand);
  nodes.forEach((node, i) => {
    node.sendCommand = function (this: Redis, ...args: Parameters<Redis['sendCommand']>) {
      const [command] = args;
      if (!seen.has(command)) {
        seen.add(command);
        sent.set(command.name, (sent.get(command.name) ?? 0) + 1);
      }
      return originals[i]!.apply(this, args);
    };
  });
  try {
    return { result: await body(), sent };
  } finally {
    nodes.forEach((node, i) => (node.sendCommand = originals[i]!));
  }
}
