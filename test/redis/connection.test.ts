// needs: local cluster
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect, promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  connect,
  disconnect,
  getMany,
  getRedis,
  isCluster,
  publishMany,
  RedisClosedError,
  RedisConnectionError,
  redactUrl,
  type SharedRedisClient,
} from '../../src/redis/index.js';
import { availabilityOptions } from '../../src/redis/availability.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded-server.js';
import { freePort } from '../../src/redis/free-port.js';
import { sleep } from '../helpers/async.js';
import { runFixture } from '../helpers/child-process.js';
import { clusterNodes, newRedis, redisUrl, runPrefix, usePrivateRedis } from '../helpers/redis.js';

const execFileAsync = promisify(execFile);

/** What a bulk operation on a closed connection rejects with: the one bulk failure type, saying closed. */
const closedBulkFailure = { name: 'BulkOperationError', closed: true, cause: expect.any(RedisClosedError) };

afterEach(async () => {
  await disconnect();
  vi.unstubAllEnvs();
});

/** `redis://host:port` of the test Redis with `userinfo` and `/db` spliced in. */
function urlWith(userinfo: string, db = ''): string {
  const { hostname, port } = new URL(redisUrl());
  return `redis://${userinfo}${hostname}:${port || 6379}${db}`;
}

describe('connect / getRedis / disconnect', () => {
  it('connects to a URL, shares one client, and refuses a second target while open', async () => {
    const client = await connect(redisUrl());
    expect(await client.ping()).toBe('PONG');
    expect(getRedis()).toBe(client);
    expect(await connect()).toBe(client);
    await expect(connect('redis://127.0.0.1:1')).rejects.toThrow(
      /already connected to redis:\/\/.*call disconnect\(\)/,
    );
  });

  it('reads REDIS_URL when called without arguments', async () => {
    // The last database the server has (not 0, so the URL's path is seen to count): a Redis
    // started with --databases 2 has 0 and 1 only.
    const probe = newRedis();
    const [, databases] = (await probe.config('GET', 'databases')) as [string, string];
    const db = Number(databases) - 1;
    expect(db).toBeGreaterThan(0);
    vi.stubEnv('REDIS_CLUSTER_NODES', '');
    vi.stubEnv('REDIS_URL', urlWith('', `/${db}`));
    const client = await connect();
    expect((client as Redis).options.db).toBe(db);
    expect(await client.call('CLIENT', 'INFO')).toMatch(new RegExp(` db=${db} `));
  });

  it('is closed after disconnect(): getRedis and bulk operations say so, connect() opens again', async () => {
    await connect(redisUrl());
    await disconnect();
    expect(() => getRedis()).toThrow(RedisClosedError);
    expect(() => getRedis()).toThrow('the Redis connection is closed (disconnect() was called)');
    await expect(getMany(['a'])).rejects.toMatchObject(closedBulkFailure);
    await expect(publishMany([['c', 'm']], { sharded: true })).rejects.toMatchObject(closedBulkFailure);
    const again = await connect(redisUrl());
    expect(await again.ping()).toBe('PONG');
  });

  it('await using: the scope that connected disconnects, even after a throw; a later connection is left open', async () => {
    let first: SharedRedisClient | undefined;
    const failing = async (): Promise<void> => {
      await using redis = await connect(redisUrl());
      first = redis;
      expect(await redis.ping()).toBe('PONG');
      throw new Error('the work failed');
    };
    await expect(failing()).rejects.toThrow('the work failed');
    expect(() => getRedis()).toThrow(RedisClosedError);
    await expect(first!.ping()).rejects.toThrow('Connection is closed');

    // Disposing a client again, once another connection is open, leaves that one alone.
    const second = await connect(redisUrl());
    await first![Symbol.asyncDispose]();
    expect(getRedis()).toBe(second);
    expect(await second.ping()).toBe('PONG');
    {
      await using again = await connect(); // the same shared client, as connect() without arguments gives
      expect(again).toBe(second);
    }
    expect(() => getRedis()).toThrow(RedisClosedError);
    await expect(second.ping()).rejects.toThrow('Connection is closed');
  });

  it('asks for connect() when getRedis is called first', async () => {
    vi.resetModules();
    const fresh = await import('../../src/redis/connection.js');
    expect(() => fresh.getRedis()).toThrow('not connected to Redis: call `await connect()` first');
  });

  it('rejects URLs it cannot use, without echoing a password', async () => {
    await expect(connect('http://user:hunter2@example.com')).rejects.toThrow(
      new TypeError('url must use redis:// or rediss://, got "http://user:***@example.com"'),
    );
    await expect(connect(urlWith('', '/x'))).rejects.toThrow(RangeError);
    await expect(connect({ url: 5 } as never)).rejects.toThrow(new TypeError('url must be a string, got 5'));
    // Found by the property test: a value String() cannot convert (a null-prototype object).
    await expect(connect({ clusterNodes: Object.create(null) as never })).rejects.toThrow(
      new TypeError(
        'clusterNodes must be a "host:port,host:port" string or an array of them, got [Object: null prototype] {}',
      ),
    );
    await expect(connect({ clusterNodes: 7000 as never })).rejects.toThrow(/^clusterNodes must be a "host:port/);
    await expect(connect({ urll: 'redis://127.0.0.1:6379' } as never)).rejects.toThrow(
      /options has no option "urll" \(known: url, clusterNodes/,
    );
  });

  it('names the environment variable when the URL or the nodes came from there', async () => {
    vi.stubEnv('REDIS_CLUSTER_NODES', '');
    vi.stubEnv('REDIS_URL', 'app:pw@127.0.0.1:6379');
    const fromUrl = await connect().catch((e: unknown) => e);
    expect(fromUrl).toBeInstanceOf(TypeError);
    expect((fromUrl as Error).message).toMatch(/^REDIS_URL is not usable: url must use redis:\/\/ or rediss:\/\//);
    expect((fromUrl as Error).message).not.toContain(':pw@');
    vi.stubEnv('REDIS_CLUSTER_NODES', 'not-a-node');
    await expect(connect()).rejects.toThrow(
      /^REDIS_CLUSTER_NODES is not usable: clusterNodes\[0\] must be "host:port"/,
    );
  });

  it('connects to a cluster from REDIS_CLUSTER_NODES', async () => {
    vi.stubEnv('REDIS_CLUSTER_NODES', clusterNodes());
    const client = await connect();
    expect(isCluster(client)).toBe(true);
    expect(client).toBeInstanceOf(Cluster);
    expect(await client.set(`${runPrefix()}cluster-connect`, '1')).toBe('OK');
    expect(await client.del(`${runPrefix()}cluster-connect`)).toBe(1);
  });
});

describe('closed by its user (quit() or disconnect() on the client itself)', () => {
  type Internals = { flushQueue: (...args: unknown[]) => void };

  it.each([
    ['a single Redis', 'quit'],
    ['a single Redis', 'disconnect'],
    ['a cluster', 'quit'],
    ['a cluster', 'disconnect'],
  ] as const)(
    'on %s, after %s(): the guard stops, getRedis and bulk operations say closed, connect() opens a new one',
    async (kind, how) => {
      const target = kind === 'a cluster' ? { clusterNodes: clusterNodes() } : { url: redisUrl() };
      // The guard sweeps a client that cannot serve every 100 ms once it has been down for 100 ms.
      const client = await connect({ ...target, timeoutMs: 200 });
      const sweeps = vi.spyOn(client as unknown as Internals, 'flushQueue');
      const ended = new Promise((resolve) => client.once('end', resolve));
      if (how === 'quit') await client.quit();
      else client.disconnect();
      await ended;
      await sleep(50);
      sweeps.mockClear();
      await sleep(1000);
      expect(sweeps, 'sweeps of the closed client').not.toHaveBeenCalled();
      expect(() => getRedis()).toThrow(RedisClosedError);
      expect(() => getRedis()).toThrow('its client was closed with quit() or disconnect()');
      await expect(getMany(['a'])).rejects.toMatchObject(closedBulkFailure);
      const again = await connect(target);
      expect(again).not.toBe(client);
      expect(await again.ping()).toBe('PONG');
      expect(getRedis()).toBe(again);
    },
  );

  it('and the process then exits on its own', async () => {
    const outcome = await runFixture('redis-closed-directly.ts', []);
    expect(outcome.stderr).toBe('');
    expect(outcome.stdout).toBe(
      [
        'getRedis: RedisClosedError',
        'getMany: BulkOperationError (closed: RedisClosedError)',
        'connect: a new client, PONG',
        'getMany: BulkOperationError (closed: RedisClosedError)',
        '',
      ].join('\n'),
    );
    expect(outcome.code).toBe(0);
  });
});

describe('timeoutMs', () => {
  it('gives the shared connection half of it to notice a silent socket, and reconnects every 50 ms rising to 1 s', async () => {
    const options = availabilityOptions(5000);
    expect(options).toMatchObject({ socketTimeout: 2500, connectTimeout: 2500, maxRetriesPerRequest: null });
    const retry = options.retryStrategy as (attempt: number) => number;
    expect([1, 2, 10, 20, 1000].map(retry)).toEqual([50, 100, 500, 1000, 1000]);
    const client = (await connect(redisUrl())) as Redis;
    expect(client.options).toMatchObject({ socketTimeout: 2500, connectTimeout: 2500, maxRetriesPerRequest: null });
    await disconnect();
    const custom = (await connect({
      url: redisUrl(),
      timeoutMs: 1000,
      redisOptions: { connectTimeout: 3000 },
    })) as Redis;
    expect(custom.options).toMatchObject({ socketTimeout: 500, connectTimeout: 3000 });
  });

  it('is refused when it is no duration', async () => {
    await expect(connect({ url: redisUrl(), timeoutMs: 1 })).rejects.toThrow(
      new RangeError('timeoutMs must be a number of milliseconds from 2 to 2147483647, got 1'),
    );
    await expect(connect({ url: redisUrl(), timeoutMs: '5s' as never })).rejects.toThrow(
      new TypeError("timeoutMs must be a number of milliseconds from 2 to 2147483647, got '5s'"),
    );
  });
});

describe('credentials', () => {
  const user = `popoto-test-${randomBytes(4).toString('hex')}`;
  const password = `pw-${randomBytes(12).toString('hex')}`;
  // ACL users are server state: they are created on a private server, never on the suite's Redis.
  const server = usePrivateRedis();
  const urlWith = (userinfo: string, db = ''): string => `redis://${userinfo}127.0.0.1:${server().port}${db}`;

  beforeAll(async () => {
    const admin = new Redis(server().url);
    await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '+@all', '&*');
    admin.disconnect();
  });

  it('logs in with user and password (ACL) and a db index from the URL', async () => {
    const client = await connect(urlWith(`${user}:${password}@`, '/2'));
    expect(await client.call('ACL', 'WHOAMI')).toBe(user);
    expect(await client.call('CLIENT', 'INFO')).toMatch(/ db=2 /);
  });

  it('never shows the password: not in util.inspect of the client, nor in a failed login', async () => {
    const client = await connect(urlWith(`${user}:${password}@`));
    expect(inspect(client)).not.toContain(password);
    expect(inspect(client)).toMatch(new RegExp(`^Redis \\{ target: "redis://${user}:\\*\\*\\*@`));
    await disconnect();

    const output: string[] = [];
    const capture = (chunk: string | Uint8Array): boolean => {
      output.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const wrong = `${password}-wrong`;
    const error = await connect(urlWith(`${user}:${wrong}@`)).catch((e: unknown) => e);
    vi.restoreAllMocks();
    expect(error).toBeInstanceOf(RedisConnectionError);
    const shown = [String(error), (error as Error).stack, inspect(error, { depth: 10 }), output.join('')].join('\n');
    expect(shown).not.toContain(wrong);
    expect(shown).not.toContain(password);
    expect((error as Error).message).toMatch(/could not connect to Redis at redis:\/\/.*:\*\*\*@.*WRONGPASS/);
  });

  it('redacts URLs for messages, whatever the password holds', () => {
    expect(redactUrl('rediss://u:p%40ss@h:1/0')).toBe('rediss://u:***@h:1/0');
    expect(redactUrl('redis://:secret@h')).toBe('redis://:***@h');
    expect(redactUrl('redis://u:p@ss@h:1')).toBe('redis://u:***@h:1');
    expect(redactUrl('redis://u:p/ss#x@h:1')).toBe('redis://u:***@h:1');
    expect(redactUrl('redis://h:6379')).toBe('redis://h:6379');
  });

  it('never echoes a URL it cannot parse, nor a badly encoded password', async () => {
    for (const url of ['redis://u:se/cret#1@h:1', 'redis://u:p%zz@h:1']) {
      const error = (await connect(url).catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(TypeError);
      expect(`${error.message} ${error.stack}`).not.toMatch(/se\/cret|p%zz/);
    }
  });
});

describe('TLS (rediss://)', () => {
  let dir: string;
  let server: EmbeddedRedis;
  let tlsPort: number;
  let ca: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'popoto-tls-'));
    await execFileAsync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ]); // prettier-ignore
    ca = await readFile(join(dir, 'cert.pem'), 'utf8');
    tlsPort = await freePort();
    server = await startEmbeddedRedis({
      args: [
        '--tls-port', String(tlsPort), '--tls-cert-file', join(dir, 'cert.pem'), '--tls-key-file', join(dir, 'key.pem'),
        '--tls-ca-cert-file', join(dir, 'cert.pem'), '--tls-auth-clients', 'no',
      ], // prettier-ignore
    });
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('speaks TLS to a rediss:// URL', async () => {
    const client = await connect({ url: `rediss://127.0.0.1:${tlsPort}`, redisOptions: { tls: { ca } } });
    expect(await client.ping()).toBe('PONG');
    const info = await client.info('server');
    expect(info).toContain(`tcp_port:${server.port}`);
  });

  it('fails clearly when the certificate is not trusted', async () => {
    await expect(connect(`rediss://127.0.0.1:${tlsPort}`)).rejects.toThrow(
      /could not connect to Redis at rediss:\/\/127\.0\.0\.1:\d+: .*certificate/i,
    );
  });
});
