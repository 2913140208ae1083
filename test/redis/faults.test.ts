// A single Redis that dies, restarts, stalls or is disconnected from under load: every command
// settles within the documented bound, a short restart is ridden out, disconnect() leaves
// nothing pending, and nothing written is lost without being reported. Every server here is a
// private redis-server on a free port, started and killed by the test.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { defineModel, Field, KeyField } from '../../src/models/index.js';
import {
  BulkOperationError,
  connect,
  disconnect,
  getMany,
  RedisClosedError,
  RedisConnectionError,
  RedisUnavailableError,
  setMany,
} from '../../src/redis/index.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded-server.js';
import { outcomeOf, settleWithin, sleep, type Outcome } from '../helpers/async.js';
import { failOnWarningsAndUnhandledRejections } from '../helpers/process-warnings.js';

/** A single command's RedisClosedError, or a bulk operation's BulkOperationError that says the connection closed. */
function saysClosed(error: unknown): boolean {
  if (error instanceof RedisClosedError) return true;
  return error instanceof BulkOperationError && error.closed && error.cause instanceof RedisClosedError;
}

failOnWarningsAndUnhandledRejections();

/** Slack on top of a bound under test, for a loaded 2-core machine: a hang detector, not a speed claim. */
const SLACK_MS = 1500;

const servers: EmbeddedRedis[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await disconnect();
  await Promise.all(servers.splice(0).map((server) => server.stop()));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A private server; with `durable`, an append-only file fsynced on every write, so an acknowledged write survives SIGKILL. */
async function startServer(options: { port?: number; dir?: string; durable?: boolean } = {}): Promise<EmbeddedRedis> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'popoto-faults-')));
  if (options.dir === undefined) dirs.push(dir);
  const server = await startEmbeddedRedis({
    port: options.port,
    dir,
    args: options.durable === true ? ['--appendonly', 'yes', '--appendfsync', 'always'] : [],
  });
  servers.push(server);
  return server;
}

function kill(server: EmbeddedRedis, signal: NodeJS.Signals = 'SIGKILL'): void {
  process.kill(server.pid, signal);
}

/** A second connection to `server`, to look at what it holds. */
function probe(server: EmbeddedRedis): Redis {
  return new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
}

function entries(count: number, prefix = 'k'): [string, string][] {
  return Array.from({ length: count }, (_, i) => [`${prefix}:${i}`, `value-${i}`]);
}

describe('Redis gone for good', () => {
  it.each([
    { label: 'the default timeoutMs (5000)', timeoutMs: undefined, bound: 5000 },
    { label: 'timeoutMs: 1000', timeoutMs: 1000, bound: 1000 },
  ])('fails commands and bulk operations with RedisUnavailableError within $label', async ({ timeoutMs, bound }) => {
    const server = await startServer();
    const client = await connect({ url: `redis://127.0.0.1:${server.port}`, timeoutMs });
    await client.set('before', '1');
    kill(server);
    const started = Date.now();
    const [single, read, write] = await Promise.all([
      settleWithin(client.get('before'), bound + SLACK_MS),
      settleWithin(getMany(['a', 'b', 'c']), bound + SLACK_MS),
      settleWithin(setMany(entries(50), { expire: 60 }), bound + SLACK_MS),
    ]);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThanOrEqual(bound + SLACK_MS);
    expect(single).toMatchObject({ settled: true, ok: false });
    expect((single as { error: unknown }).error).toBeInstanceOf(RedisUnavailableError);
    expect((single as { error: Error }).error).toBeInstanceOf(RedisConnectionError);
    for (const outcome of [read, write]) {
      expect(outcome).toMatchObject({ settled: true, ok: false });
      const error = (outcome as { error: BulkOperationError }).error;
      expect(error).toBeInstanceOf(BulkOperationError);
      expect(error.errors.every((e) => e.cause instanceof RedisUnavailableError)).toBe(true);
    }
    expect((read as { error: BulkOperationError }).error.failedIndexes).toEqual([0, 1, 2]);
    // While the server stays away, new commands fail quickly (the client keeps reconnecting).
    const again = Date.now();
    await expect(client.get('x')).rejects.toBeInstanceOf(RedisUnavailableError);
    expect(Date.now() - again).toBeLessThan(bound);
  });

  it('disconnect() settles every command in flight or queued with RedisClosedError, within timeoutMs', async () => {
    const server = await startServer();
    const client = await connect({ url: `redis://127.0.0.1:${server.port}`, timeoutMs: 4000 });
    const inFlight = Array.from({ length: 2000 }, (_, i) => outcomeOf(client.set(`f:${i}`, 'v')));
    kill(server);
    await sleep(100);
    const queued: Promise<Outcome<unknown>>[] = [
      outcomeOf(client.get('q')),
      outcomeOf(getMany(['q1', 'q2'])),
      outcomeOf(setMany(entries(20, 'q'))),
    ];
    const started = Date.now();
    const disconnected = await settleWithin(disconnect(), 4000 + SLACK_MS);
    expect(disconnected).toMatchObject({ settled: true, ok: true });
    expect(Date.now() - started).toBeLessThanOrEqual(4000 + SLACK_MS);
    const outcomes = await Promise.all([...inFlight, ...queued].map((p) => settleWithin(p, 1000)));
    // Nothing pending, and nothing that did not get through is reported as done: commands
    // answered before the kill succeeded, ioredis aborted pipelines cut in half, the rest are ours.
    expect(outcomes.every((o) => o.settled)).toBe(true);
    const errors = outcomes
      .map((o) => (o.settled ? o.value : undefined))
      .filter((o) => o !== undefined && !o.ok)
      .map((o) => (o as { error: Error }).error);
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      expect(saysClosed(error) || /aborted due to connection close/.test(error.message)).toBe(true);
    }
    const [get, read, write] = errors.slice(-3);
    expect(get).toBeInstanceOf(RedisClosedError);
    // A bulk failure arrives as one type, closed or not.
    for (const bulk of [read, write]) expect(bulk).toMatchObject({ name: 'BulkOperationError', closed: true });
    expect((write as BulkOperationError).failedIndexes).toHaveLength(20);
  });

  it('disconnect() during a retry wait of a bulk operation settles it at once', async () => {
    const server = await startServer();
    await connect({ url: `redis://127.0.0.1:${server.port}`, timeoutMs: 400 });
    kill(server);
    const writing = setMany(entries(100), { retries: { retries: 5, minDelayMs: 20_000 } });
    await sleep(1000); // the first round has failed (400 ms) and the run waits 20 s before the next
    const started = Date.now();
    await disconnect();
    const outcome = await settleWithin(writing, 1000);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(outcome).toMatchObject({ settled: true, ok: false });
    const error = (outcome as { error: Error }).error;
    expect(error).toBeInstanceOf(BulkOperationError);
    expect(saysClosed(error)).toBe(true);
    expect((error as BulkOperationError).failedIndexes).toHaveLength(100);
  });

  it('disconnect() settles a model save waiting on a dead server', async () => {
    const server = await startServer();
    await connect({ url: `redis://127.0.0.1:${server.port}`, timeoutMs: 30_000 });
    const Note = defineModel('FaultNote', { id: KeyField(), body: Field() });
    kill(server);
    await sleep(100);
    const saving = Note.create({ id: '1', body: 'written while Redis is down' });
    await sleep(100);
    await disconnect();
    const outcome = await settleWithin(saving, 1000);
    expect(outcome).toMatchObject({ settled: true, ok: false });
    const chain: unknown[] = [];
    const collect = (e: unknown): void => {
      if (!(e instanceof Error)) return;
      chain.push(e);
      collect(e.cause);
      if (e instanceof BulkOperationError) (e.errors as unknown[]).forEach(collect);
    };
    collect((outcome as { error: unknown }).error);
    expect(chain.some((e) => e instanceof RedisClosedError)).toBe(true);
  });
});

describe('Redis restarted', () => {
  it('rides out a restart within about a second: commands issued meanwhile succeed', async () => {
    const first = await startServer();
    const client = await connect(`redis://127.0.0.1:${first.port}`);
    kill(first);
    await first.stop();
    const issued = Date.now();
    const writes = Array.from({ length: 1000 }, (_, i) => client.set(`r:${i}`, String(i)));
    const read = getMany(['r:0', 'r:999']);
    await sleep(1000);
    await startServer({ port: first.port });
    await Promise.all(writes);
    expect(await read).toEqual(['0', '999']);
    expect(Date.now() - issued).toBeLessThan(5000);
    expect(await client.dbsize()).toBe(1000);
  });

  describe.each([
    { label: 'with retries: every key is written', retries: { retries: 30, minDelayMs: 50, maxDelayMs: 400 } },
    { label: 'without retries: what is not reported failed is written', retries: undefined },
  ])('SIGKILL, 1.5 s down, restart, during setMany of 100k keys with expire, $label', ({ retries }) => {
    it('loses nothing unreported', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'popoto-faults-aof-'));
      dirs.push(dir);
      // Durable, so that what Redis acknowledged before the kill is still there after it.
      const server = await startServer({ dir, durable: true });
      // Down for longer than timeoutMs / 2: the items in flight fail (RedisUnavailableError).
      await connect({ url: `redis://127.0.0.1:${server.port}`, timeoutMs: 1000 });
      const data = entries(100_000);
      let retried = 0;
      const policy = retries && {
        ...retries,
        retryIf: () => {
          retried++;
          return true;
        },
      };
      let settled = false;
      const writing = outcomeOf(
        setMany(data, { expire: 3600, concurrency: 4, retries: policy }).finally(() => (settled = true)),
      );
      const watcher = probe(server);
      while ((await watcher.dbsize()) < 5000) await sleep(2);
      watcher.disconnect();
      expect(settled).toBe(false);
      kill(server);
      await server.stop();
      await sleep(1500);
      const restarted = await startServer({ dir, port: server.port, durable: true });

      const outcome = await settleWithin(writing, 60_000);
      expect(outcome.settled).toBe(true);
      const result = (outcome as { value: Outcome<void> }).value;
      const failed = new Set(result.ok ? [] : (result.error as BulkOperationError).failedIndexes);
      if (retries !== undefined) {
        expect(result).toMatchObject({ ok: true });
        expect(retried).toBeGreaterThan(0);
      } else {
        expect((result as { error: unknown }).error).toBeInstanceOf(BulkOperationError);
        expect(failed.size).toBeGreaterThan(0);
      }
      const check = probe(restarted);
      const values = await getMany(data.map(([key]) => key));
      const ttls = await Promise.all(
        data.filter((_, i) => i % 97 === 0 && !failed.has(i)).map(([key]) => check.ttl(key)),
      );
      check.disconnect();
      const lost = values.filter((value, i) => !failed.has(i) && value !== data[i]![1]);
      expect(lost).toEqual([]);
      expect(ttls.every((ttl) => ttl > 3000)).toBe(true);
    });
  });
});

describe('Redis stalled (SIGSTOP)', () => {
  it('fails commands within timeoutMs, then recovers on its own after SIGCONT', async () => {
    const server = await startServer();
    const client = await connect({ url: `redis://127.0.0.1:${server.port}`, timeoutMs: 2000 });
    await client.set('a', '1');
    kill(server, 'SIGSTOP');
    try {
      const started = Date.now();
      const [single, bulk] = await Promise.all([
        settleWithin(client.get('a'), 2000 + SLACK_MS),
        settleWithin(getMany(['a', 'b']), 2000 + SLACK_MS),
      ]);
      expect(Date.now() - started).toBeLessThanOrEqual(2000 + SLACK_MS);
      expect((single as { error: unknown }).error).toBeInstanceOf(RedisUnavailableError);
      expect((bulk as { error: unknown }).error).toBeInstanceOf(BulkOperationError);
    } finally {
      kill(server, 'SIGCONT');
    }
    let value: string | null = null;
    for (let i = 0; i < 100 && value === null; i++) {
      value = await client.get('a').catch(() => null);
      if (value === null) await sleep(50);
    }
    expect(value).toBe('1');
  });

  it('disconnect() while the server is stalled returns within timeoutMs and settles what was in flight', async () => {
    const server = await startServer();
    const client = await connect({ url: `redis://127.0.0.1:${server.port}`, timeoutMs: 2000 });
    await client.set('a', '1');
    kill(server, 'SIGSTOP');
    try {
      const inFlight: Promise<Outcome<unknown>>[] = [
        outcomeOf(client.get('a')),
        outcomeOf(client.set('b', '2')),
        outcomeOf(getMany(['a'])),
      ];
      await sleep(50);
      const started = Date.now();
      expect(await settleWithin(disconnect(), 2000 + SLACK_MS)).toMatchObject({ settled: true, ok: true });
      expect(Date.now() - started).toBeLessThanOrEqual(2000 + SLACK_MS);
      const outcomes = await Promise.all(inFlight.map((p) => settleWithin(p, 500)));
      for (const outcome of outcomes) {
        expect(outcome).toMatchObject({ settled: true, value: { ok: false } });
        expect(saysClosed((outcome as { value: { error: unknown } }).value.error)).toBe(true);
      }
    } finally {
      kill(server, 'SIGCONT');
    }
  });
});

describe('failedIndexes means "not confirmed"', () => {
  it('an item can be listed as failed and still have been written, when its reply was lost', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'popoto-faults-'));
    dirs.push(dir);
    const server = await startEmbeddedRedis({ dir, args: ['--enable-debug-command', 'yes'] });
    servers.push(server);
    await connect({ url: `redis://127.0.0.1:${server.port}`, timeoutMs: 600 });
    const admin = probe(server);
    // The server sleeps 2 s; the SETs sent meanwhile wait in its socket buffer. After 300 ms of
    // silence the client drops the socket, and after 300 ms more it fails them: not confirmed.
    // When the server wakes it still reads and runs what was already in its buffer.
    const sleeping = admin.call('DEBUG', 'SLEEP', '2').catch(() => undefined);
    await sleep(100);
    const error = (await setMany(entries(50, 'lost-reply')).catch((e: unknown) => e)) as BulkOperationError;
    expect(error).toBeInstanceOf(BulkOperationError);
    expect(error.failedIndexes).toHaveLength(50);
    await sleeping;
    admin.disconnect();
    const check = probe(server);
    const written = await check.mget(entries(50, 'lost-reply').map(([key]) => key));
    check.disconnect();
    expect(written.filter((value) => value !== null).length).toBe(50);
  });
});
