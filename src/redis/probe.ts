import { createConnection } from 'node:net';

/**
 * True when something at host:port answers a Redis PING (including with an auth error: that
 * is a Redis server too), within `timeoutMs`. A raw socket rather than a client, so that no
 * reconnect logic stretches the answer to "nothing there".
 */
export function redisAnswers(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    let settled = false;
    const finish = (answer: boolean): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => finish(/^[+-]/.test(data.toString('latin1'))));
  });
}
