// needs: local cluster
// No password in any error, cause chain, inspect output (any depth), log line or `doctor`
// output, along every path where one used to leak; and clients of another copy of ioredis
// (an application's own ioredis 5) are accepted by shape.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { inspect, promisify } from 'node:util';
import { Redis } from 'ioredis';
import { Cluster as Cluster5, Redis as Redis5 } from 'ioredis5';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { defineModel, Field, KeyField } from '../../src/models/index.js';
import { Publisher, Subscriber } from '../../src/pubsub/index.js';
import {
  BulkOperationError,
  connect,
  deleteMany,
  disconnect,
  getMany,
  publishMany,
  RedisConnectionError,
  scanKeys,
  setMany,
  type RedisClient,
} from '../../src/redis/index.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded-server.js';
import { freePort } from '../../src/redis/free-port.js';
import { outcomeOf, sleep } from '../helpers/async.js';
import { clusterNodes, redisUrl, useKeyPrefix, usePrivateRedis } from '../helpers/redis.js';
import { failOnWarningsAndUnhandledRejections } from '../helpers/process-warnings.js';

failOnWarningsAndUnhandledRejections();
const execFileAsync = promisify(execFile);

/** Everything a caller could print of an error, at every depth, hidden properties included. */
function everyRendering(value: unknown): string {
  const parts = [inspect(value, { depth: Infinity, showHidden: true, getters: true })];
  const seen = new Set<unknown>();
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (node instanceof Error) parts.push(String(node), String(node.stack));
    for (const key of Reflect.ownKeys(node)) {
      const child = (node as Record<string | symbol, unknown>)[key];
      if (typeof child === 'string') parts.push(child);
      else walk(child);
    }
  };
  walk(value);
  return parts.join('\n');
}

/** Captures what is written to stdout and stderr (ioredis's console warnings, our log lines) until `stop()`. */
function captureOutput(): { stop(): string } {
  const output: string[] = [];
  const capture = (chunk: string | Uint8Array): boolean => {
    output.push(String(chunk));
    return true;
  };
  const spies = [
    vi.spyOn(process.stderr, 'write').mockImplementation(capture),
    vi.spyOn(process.stdout, 'write').mockImplementation(capture),
  ];
  return {
    stop() {
      for (const spy of spies) spy.mockRestore();
      return output.join('');
    },
  };
}

afterEach(async () => {
  await disconnect();
  vi.restoreAllMocks();
});

describe('a password rotated while connected, then the connection dropped', () => {
  let server: EmbeddedRedis;
  let admin: Redis;
  const oldPassword = `old-${randomBytes(12).toString('hex')}`;
  const newPassword = `new-${randomBytes(12).toString('hex')}`;

  beforeAll(async () => {
    server = await startEmbeddedRedis();
    admin = new Redis({ port: server.port });
    await admin.call('ACL', 'SETUSER', 'app', 'on', `>${oldPassword}`, '~*', '&*', '+@all');
  });
  afterAll(async () => {
    admin.disconnect();
    await server.stop();
  });

  it('leaves no trace of either password in the errors of raw commands, bulk operations, models and subscribers', async () => {
    const output = captureOutput();
    const errors: unknown[] = [];
    try {
      const client = await connect({ url: `redis://app:${oldPassword}@127.0.0.1:${server.port}`, timeoutMs: 3000 });
      const subscriber = new Subscriber({ redis: client });
      subscriber.onError((error) => errors.push(error));
      await subscriber.subscribe('rotation');
      await client.set('k', 'v');

      await admin.call('ACL', 'SETUSER', 'app', 'resetpass', `>${newPassword}`);
      await admin.call('CLIENT', 'KILL', 'USER', 'app');
      await sleep(50);
      const Note = defineModel('RotationNote', { id: KeyField(), body: Field() });
      const outcomes = await Promise.all([
        outcomeOf(client.get('k')),
        outcomeOf(getMany(['k', 'other'])),
        outcomeOf(setMany([['k', 'v2']], { expire: 60 })),
        outcomeOf(publishMany([['rotation', 'hello']])),
        outcomeOf(Note.create({ id: '1', body: 'x' })),
        outcomeOf(new Publisher().publish('rotation', { a: 1 })),
      ]);
      for (const outcome of outcomes) {
        expect(outcome.ok).toBe(false);
        if (!outcome.ok) errors.push(outcome.error);
      }
      expect(errors.some((error) => /WRONGPASS/.test(everyRendering(error)))).toBe(true);
      expect(errors.some((error) => error instanceof BulkOperationError)).toBe(true);
      await subscriber.close();
    } finally {
      await disconnect();
      errors.push(output.stop());
    }
    const shown = everyRendering(errors);
    expect(shown).not.toContain(oldPassword);
    expect(shown).not.toContain(newPassword);
  });
});

describe('connection settings typed wrong', () => {
  const password = `pw-${randomBytes(12).toString('hex')}`;

  it.each([
    ['a URL without its scheme', () => connect(`app:${password}@127.0.0.1:6379`)],
    ['a scheme without //', () => connect(`redis:app:${password}@127.0.0.1:6379`)],
    ['a URL passed as redisOptions', () => connect({ redisOptions: `redis://app:${password}@h:1` as never })],
    ['a URL passed as clusterOptions', () => connect({ clusterOptions: `redis://app:${password}@h:1` as never })],
    ['a cluster node with a password but no scheme', () => connect({ clusterNodes: `u:${password}@127.0.0.1:7000` })],
    [
      'a cluster node list holding such an entry',
      () => connect({ clusterNodes: [`127.0.0.1:7000`, `u:${password}@h:7001`] }),
    ],
    ['an unparsable URL', () => connect(`redis://app:${password}#x@h:1/?`)],
    ['a URL with a bad database', () => connect(`redis://app:${password}@h:1/x`)],
    ['a URL given as the client', () => getMany(['a'], { redis: `redis://app:${password}@h:1` as never })],
    ['options given as the client', () => getMany(['a'], { redis: { host: 'h', password } as never })],
    [
      'a Map holding a password as the client, with nothing to publish',
      () => publishMany([], { redis: new Map([['password', password]]) as never }),
    ],
  ])('%s: refused at once, the password not shown', async (_label, call) => {
    const started = Date.now();
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(Error);
    expect(everyRendering(error)).not.toContain(password);
  });

  it.each([
    ['a URL', (port: number) => connect({ url: `redis://app:${password}@127.0.0.1:${port}`, timeoutMs: 1000 })],
    [
      'cluster nodes',
      (port: number) => connect({ clusterNodes: [`redis://app:${password}@127.0.0.1:${port}`], timeoutMs: 1000 }),
    ],
  ])('%s nobody answers at: a RedisConnectionError within the bound, the password not shown', async (_label, open) => {
    const output = captureOutput();
    const started = Date.now();
    const error = await open(await freePort()).catch((e: unknown) => e);
    const logged = output.stop();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error).toBeInstanceOf(RedisConnectionError);
    expect(everyRendering([error, logged])).not.toContain(password);
  });
});

describe('util.inspect of the shared client', () => {
  // The ACL user is server state: created on a private server, never on the suite's Redis.
  const server = usePrivateRedis();

  it('shows the target redacted, at any depth', async () => {
    const user = `popoto-test-${randomBytes(4).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    const admin = new Redis(server().url);
    await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '&*', '+@all');
    admin.disconnect();
    try {
      const client = await connect(`redis://${user}:${password}@127.0.0.1:${server().port}`);
      expect(inspect(client, { depth: Infinity, showHidden: true })).not.toContain(password);
      expect(inspect({ nested: { deeper: [client] } }, { depth: Infinity })).not.toContain(password);
    } finally {
      await disconnect();
    }
  });
});

describe('popoto-ts doctor', () => {
  const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
  let server: EmbeddedRedis;
  let admin: Redis;
  const password = `doc-${randomBytes(12).toString('hex')}`;

  beforeAll(async () => {
    server = await startEmbeddedRedis();
    admin = new Redis({ port: server.port });
    await admin.call('ACL', 'SETUSER', 'app', 'on', `>${password}`, '~*', '&*', '+@all');
  });
  afterAll(async () => {
    admin.disconnect();
    await server.stop();
  });

  const doctor = async (url: string): Promise<{ code: number; output: string }> => {
    const env = { ...process.env, REDIS_URL: url, REDIS_CLUSTER_NODES: '' };
    try {
      const { stdout, stderr } = await execFileAsync(process.execPath, ['--import', 'tsx', cli, 'doctor'], { env });
      return { code: 0, output: stdout + stderr };
    } catch (error) {
      const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
      return { code, output: stdout + stderr };
    }
  };

  it('prints the connection with the password redacted', async () => {
    const { code, output } = await doctor(`redis://app:${password}@127.0.0.1:${server.port}`);
    expect(code).toBe(0);
    expect(output).toMatch(/app:\*\*\*@127\.0\.0\.1/);
    expect(output).toMatch(/ping: +PONG/);
    expect(output).not.toContain(password);
  });

  it('fails with a wrong password without printing either', async () => {
    const wrong = `${password}-wrong`;
    const { code, output } = await doctor(`redis://app:${wrong}@127.0.0.1:${server.port}`);
    expect(code).toBe(1);
    expect(output).toMatch(/WRONGPASS/);
    expect(output).not.toContain(password);
  });
});

describe('clients of another copy of ioredis (ioredis 5 beside our ioredis 6)', () => {
  const mine = new Redis(redisUrl());
  const prefix = useKeyPrefix(mine);
  const redis5 = new Redis5(redisUrl());
  const cluster5 = new Cluster5(
    clusterNodes()
      .split(',')
      .map((node) => ({ host: node.split(':')[0]!, port: Number(node.split(':')[1]) })),
  );
  afterAll(async () => {
    redis5.disconnect();
    cluster5.disconnect();
    mine.disconnect();
  });

  it.each([
    ['Redis', () => redis5],
    ['Cluster', () => cluster5],
  ])('accepts an ioredis 5 %s for every bulk operation and pub/sub', async (_label, get) => {
    const redis = get() as unknown as RedisClient;
    const p = prefix();
    const keys = Array.from({ length: 300 }, (_, i) => `${p}k${i}`);
    await setMany(
      keys.map((key) => [key, key]),
      { redis, expire: 60 },
    );
    expect(await getMany(keys, { redis })).toEqual(keys);
    const found: string[] = [];
    for await (const key of scanKeys(`${p}*`, { redis })) found.push(key);
    expect(found.sort()).toEqual([...keys].sort());
    expect(await publishMany([[`${p}ch`, 'm']], { redis })).toEqual([0]);
    const subscriber = new Subscriber({ redis, encoding: 'raw' });
    const received = new Promise((resolve) => subscriber.onMessage((message) => resolve(message.data)));
    await subscriber.subscribe(`${p}ch`);
    await new Publisher({ redis, encoding: 'raw' }).publish(`${p}ch`, 'hello from ioredis 5');
    expect(await received).toBe('hello from ioredis 5');
    await subscriber.close();
    expect(await deleteMany(keys, { redis })).toBe(300);
  });
});
