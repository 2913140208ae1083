// Canaries for the ioredis private members src/redis/ioredis-internals.ts drives: each test
// proves the member still does what availability.ts relies on, and a failure names the member
// and the installed ioredis version, so an ioredis upgrade that changes one is caught here, not
// by a command left pending in production.
import { createRequire } from 'node:module';
import { Cluster, Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../src/redis/free-port.js';
import { flushQueue, holdsCommands, markEnded, rejectResendQueue } from '../../src/redis/ioredis-internals.js';
import { newRedis, redisUrl, runPrefix } from '../helpers/redis.js';

const IOREDIS_VERSION = (createRequire(import.meta.url)('ioredis/package.json') as { version: string }).version;

/** The message a canary fails with: which member, which ioredis. */
function changed(member: string, what: string): string {
  return `ioredis ${IOREDIS_VERSION} changed its private ${member} (${what}): update src/redis/ioredis-internals.ts`;
}

const clients: (Redis | Cluster)[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.disconnect();
});

/** A client of a closed port that waits a minute between reconnects: its commands stay queued offline. */
async function offlineRedis(): Promise<Redis> {
  const client = new Redis({
    port: await freePort(),
    host: '127.0.0.1',
    retryStrategy: () => 60_000,
    maxRetriesPerRequest: null,
    lazyConnect: true,
  });
  client.on('error', () => undefined);
  clients.push(client);
  return client;
}

/** What `promise` settled with, or 'pending' if it has not by the next turns of the event loop. */
async function settledWith(promise: Promise<unknown>): Promise<unknown> {
  const pending = Symbol('pending');
  const result = await Promise.race([
    promise.then(
      () => 'resolved',
      (error: unknown) => error,
    ),
    new Promise((resolve) => setTimeout(() => resolve(pending), 50)),
  ]);
  return result === pending ? 'pending' : result;
}

describe(`ioredis ${IOREDIS_VERSION} private members`, () => {
  it('offlineQueue and flushQueue on a Redis: a command queued offline is held, then rejected with our error', async () => {
    const client = await offlineRedis();
    client.connect().catch(() => undefined);
    const command = client.get('canary');
    command.catch(() => undefined);
    expect(await settledWith(command), changed('offlineQueue', 'a command sent while offline settled')).toBe('pending');
    expect(holdsCommands(client), changed('offlineQueue', 'a queued command is not in it')).toBe(true);
    const error = new Error('canary');
    flushQueue(client, error, { sent: false });
    expect(await settledWith(command), changed('flushQueue', 'it did not reject the offline queue')).toBe(error);
    expect(holdsCommands(client), changed('offlineQueue', 'flushQueue left it non-empty')).toBe(false);
  });

  it('offlineQueue and flushQueue on a Cluster: a command queued before the cluster is ready is rejected with our error', async () => {
    const cluster = new Cluster([{ host: '127.0.0.1', port: await freePort() }], {
      lazyConnect: true,
      clusterRetryStrategy: () => 60_000,
    });
    cluster.on('error', () => undefined);
    clients.push(cluster);
    cluster.connect().catch(() => undefined);
    const command = cluster.get('canary');
    command.catch(() => undefined);
    expect(holdsCommands(cluster), changed('Cluster offlineQueue', 'a queued command is not in it')).toBe(true);
    const error = new Error('canary');
    flushQueue(cluster, error, { sent: true });
    expect(await settledWith(command), changed('Cluster flushQueue', 'it did not reject the offline queue')).toBe(
      error,
    );
    expect(holdsCommands(cluster), changed('Cluster offlineQueue', 'flushQueue left it non-empty')).toBe(false);
  });

  it('_autoPipelines: commands auto-pipelining holds back are seen, and gone once sent', async () => {
    const client = new Redis(redisUrl(), { enableAutoPipelining: true, maxRetriesPerRequest: 3 });
    clients.push(client);
    await client.ping();
    const sent = Promise.all([client.exists(`${runPrefix()}canary:a`), client.exists(`${runPrefix()}canary:b`)]);
    expect(holdsCommands(client), changed('_autoPipelines', 'commands held back are not in it')).toBe(true);
    await sent;
    expect(holdsCommands(client), changed('_autoPipelines', 'it still holds commands already answered')).toBe(false);
  });

  it('prevCommandQueue: a command in flight when the connection dropped is kept to resend, and rejected with our error', async () => {
    const client = new Redis(redisUrl(), { retryStrategy: () => 60_000, maxRetriesPerRequest: null });
    client.on('error', () => undefined);
    clients.push(client);
    const id = await client.client('ID');
    // Blocks until killed: in flight, unanswered, when the connection drops.
    const blocked = client.blpop(`${runPrefix()}canary:never`, 0);
    blocked.catch(() => undefined);
    const closed = new Promise((resolve) => client.once('close', resolve));
    await newRedis().client('KILL', 'ID', String(id));
    await closed;
    expect(await settledWith(blocked), changed('prevCommandQueue', 'the in-flight command settled on close')).toBe(
      'pending',
    );
    const error = new Error('canary');
    rejectResendQueue(client, error);
    expect(await settledWith(blocked), changed('prevCommandQueue', 'the in-flight command is not in it')).toBe(error);
  });

  it("setStatus: a client marked ended refuses new commands at once and emits 'end'", async () => {
    const client = await offlineRedis();
    const ended = new Promise((resolve) => client.once('end', resolve));
    markEnded(client);
    expect(client.status, changed('setStatus', 'the status did not change')).toBe('end');
    expect(await settledWith(ended), changed('setStatus', "no 'end' event")).toBe('resolved');
    const refused = await settledWith(client.get('canary'));
    expect(refused, changed('setStatus', 'a command on an ended client was not refused')).toBeInstanceOf(Error);
  });
});
