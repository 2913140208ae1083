// A Redis Cluster that moves under the bulk operations: hostile keys, a resharding, a master
// killed mid-write (its replica takes over), then every node gone. One dedicated cluster of
// 3 masters with a replica each (cluster-node-timeout 1000 ms), started here and stopped at the
// end; the tests run in order, each leaving the cluster as the next one expects.
import fc from 'fast-check';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BulkOperationError,
  connect,
  deleteMany,
  disconnect,
  getMany,
  keySlot,
  RedisUnavailableError,
  ReplicasNotConfirmedError,
  setMany,
} from '../../src/redis/index.js';
import { outcomeOf, settleWithin, sleep } from '../helpers/async.js';
import { defineModel, Field, KeyField } from '../../src/models/index.js';
import { Publisher } from '../../src/pubsub/index.js';
import { drainBackgroundTasks, onBackgroundError, runAllMultithreaded, startNewThread } from '../../src/index.js';
import { getRedis } from '../../src/redis/index.js';
import { startFaultCluster, type FaultCluster } from '../../bench/soak/fault-cluster.js';
import { heal } from '../../bench/soak/faults.js';
import { hostileKey } from './helpers/hostile-keys.js';
import { commandsSent } from '../helpers/commands-sent.js';
import { failOnWarningsAndUnhandledRejections } from '../helpers/process-warnings.js';

failOnWarningsAndUnhandledRejections();

let cluster: FaultCluster;
let client: Cluster;

beforeAll(async () => {
  cluster = await startFaultCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000 });
  client = (await connect({ clusterNodes: cluster.seeds })) as Cluster;
}, 60_000);

afterAll(async () => {
  await disconnect();
  await cluster?.stop();
});

/** Error counters of every live node (`INFO errorstats`): errorstat_MOVED, errorstat_CROSSSLOT, ... */
async function errorStats(): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  for (const port of await cluster.masters()) {
    const text = await cluster.cli(port, 'info', 'errorstats');
    for (const [, name, count] of text.matchAll(/errorstat_(\w+):count=(\d+)/g)) {
      totals.set(name!, (totals.get(name!) ?? 0) + Number(count));
    }
  }
  return totals;
}

/** EVALSHA calls the live masters answered, and those that failed (`INFO commandstats`). */
async function scriptStats(): Promise<{ calls: number; failed: number }> {
  const total = { calls: 0, failed: 0 };
  for (const port of await cluster.masters()) {
    const text = await cluster.cli(port, 'info', 'commandstats');
    const [, calls = '0', failed = '0'] = /cmdstat_evalsha:calls=(\d+),.*failed_calls=(\d+)/.exec(text) ?? [];
    total.calls += Number(calls);
    total.failed += Number(failed);
  }
  return total;
}

/** True when a CLUSTER NODES line's slot ranges hold `slot`. */
function serves(line: string, slot: number): boolean {
  return line
    .split(' ')
    .slice(8)
    .some((range) => {
      const [low, high = low] = range.split('-').map(Number);
      return low! <= slot && slot <= high!;
    });
}

function delta(before: Map<string, number>, after: Map<string, number>, name: string): number {
  return (after.get(name) ?? 0) - (before.get(name) ?? 0);
}

describe('slot grouping on a real cluster', () => {
  it('sends hostile keys (empty tags, nested braces, lone surrogates) to the right node: no CROSSSLOT, no MOVED', async () => {
    const fixed = [
      'user:{}}:1', 'user:{}}:2', '{}}', '{}{a}', 'x{}y}', '{{a}}', '{a{b}c}', 'a}b{c}d', '{\uD800}x', 'a\uDC00b',
      '{\uD83D}\uDE00', '😀{😀}', 'é{é}', '{', '}', '{}', '',
    ]; // prettier-ignore
    const generated = fc.sample(fc.uniqueArray(hostileKey(), { minLength: 300, maxLength: 300 }), {
      numRuns: 1,
      seed: 11,
    })[0]!;
    const keys = [...new Set([...fixed, ...generated].map((key) => `slots-test:${key}`))];
    const before = await errorStats();
    await setMany(
      keys.map((key, i) => [key, `v${i}`]),
      { batchSize: 64 },
    );
    expect(await getMany(keys, { batchSize: 64 })).toEqual(keys.map((_, i) => `v${i}`));
    await setMany(
      keys.map((key, i) => [key, `w${i}`]),
      { expire: 60, batchSize: 64 },
    );
    expect(await getMany(keys)).toEqual(keys.map((_, i) => `w${i}`));
    expect(await deleteMany(keys)).toBe(keys.length);
    const after = await errorStats();
    expect(delta(before, after, 'CROSSSLOT')).toBe(0);
    expect(delta(before, after, 'MOVED')).toBe(0);
    expect(delta(before, after, 'ASK')).toBe(0);
  });
});

describe('a resharding under load', () => {
  it('follows MOVED, ASK and TRYAGAIN while a slot migrates: every call succeeds, none reports a redirect', async () => {
    const hot = Array.from({ length: 3000 }, (_, i) => `{hot}:${i}`);
    const slot = keySlot('{hot}');
    await setMany(hot.map((key) => [key, 'v0']));
    // Keys of many slots read with some of the migrating slot's: their batches go as one script
    // per node (cross-slot-read.ts), which fails on a key its node no longer holds; the batch is
    // then sent as per-slot MGETs, whose redirects are followed.
    const spread = Array.from({ length: 600 }, (_, i) => `reshard-spread:${i}`);
    await setMany(spread.map((key) => [key, 's']));
    const mixed = [...hot.slice(0, 60), ...spread];
    const readMixed = (redis?: Cluster): Promise<void> =>
      getMany(mixed, { batchSize: 200, redis }).then((values) => {
        const wrong = values.filter((value, i) => (i < 60 ? !/^v\d+$/.test(value ?? '') : value !== 's'));
        if (wrong.length > 0) throw new Error(`mixed read got ${JSON.stringify(wrong.slice(0, 5))}`);
      });
    // A client whose slot map the migration leaves stale (it sends nothing meanwhile, and does not
    // refresh on a timer): its read afterwards plans the migrated slot on its old master.
    const stale = new Cluster(
      cluster.seeds.split(',').map((seed) => ({ host: '127.0.0.1', port: Number(seed.split(':')[1]) })),
      { slotsRefreshInterval: 3_600_000 },
    );
    await readMixed(stale);
    const nodes = (await cluster.cli(cluster.nodes[0]!.port, 'cluster', 'nodes')).split('\n').filter(Boolean);
    const masters = nodes.filter((line) => line.includes('master') && !line.includes('fail'));
    const idOf = (line: string): string => line.split(' ')[0]!;
    const portOf = (line: string): number => Number(/:(\d+)@/.exec(line)![1]);
    const source = masters.find((line) => serves(line, slot))!;
    const target = masters.find((line) => line !== source)!;
    const before = await errorStats();

    let migrating = true;
    const calls: Promise<unknown>[] = [];
    // Writes go one round after another, so the last round is what every key must hold at the end
    // (two rounds in flight at once have no order between them: a batch of the earlier one that
    // waits out a TRYAGAIN may land after the later one). Reads run alongside, not awaited.
    let lastRound = 0;
    const load = (async () => {
      for (let round = 1; migrating; round++) {
        const write = setMany(
          hot.map((key) => [key, `v${round}`]),
          { batchSize: 200 },
        );
        calls.push(write, getMany(hot, { batchSize: 200 }), readMixed());
        await write.then(
          () => (lastRound = round),
          () => undefined,
        );
      }
    })();
    // The migration, as redis-cli --cluster reshard does it, in small steps so that the load sees it half-done.
    await cluster.cli(portOf(target), 'cluster', 'setslot', String(slot), 'importing', idOf(source));
    await cluster.cli(portOf(source), 'cluster', 'setslot', String(slot), 'migrating', idOf(target));
    for (;;) {
      const keys = (await cluster.cli(portOf(source), 'cluster', 'getkeysinslot', String(slot), '100'))
        .split('\n')
        .filter(Boolean);
      if (keys.length === 0) break;
      await cluster.cli(
        portOf(source),
        'migrate',
        '127.0.0.1',
        String(portOf(target)),
        '',
        '0',
        '5000',
        'keys',
        ...keys,
      );
      await sleep(10);
    }
    for (const line of masters)
      await cluster.cli(portOf(line), 'cluster', 'setslot', String(slot), 'node', idOf(target));
    await sleep(200);
    migrating = false;
    await load;
    const outcomes = await Promise.all(calls.map((call) => outcomeOf(call)));
    const failures = outcomes.filter((o) => !o.ok).map((o) => (o as { error: Error }).error);
    expect(failures.map((e) => e.message)).toEqual([]);
    const after = await errorStats();
    // The redirects did happen (the load met the migration) and were followed.
    expect(
      delta(before, after, 'ASK') + delta(before, after, 'TRYAGAIN') + delta(before, after, 'MOVED'),
    ).toBeGreaterThan(0);
    expect(delta(before, after, 'CROSSSLOT')).toBe(0);
    // The stale client's script for the moved slot's batch fails on its old master (the key is not
    // local there); the batch then goes as per-slot MGETs, whose MOVED is followed: right values.
    const scriptsBefore = await scriptStats();
    await readMixed(stale);
    const scriptsAfter = await scriptStats();
    expect(scriptsAfter.failed - scriptsBefore.failed).toBeGreaterThan(0);
    // A moved slot is no refusal for good: the next read, on the refreshed map, sends every batch
    // of several slots as the script again, on every master (no per-slot MGETs).
    const { sent } = await commandsSent(stale, () => readMixed(stale));
    expect(sent.get('mget') ?? 0).toBe(0);
    expect(sent.get('evalsha')).toBeGreaterThanOrEqual(3);
    expect((await scriptStats()).failed).toBe(scriptsAfter.failed);
    stale.disconnect();
    await deleteMany(spread);
    const values = await getMany(hot);
    expect(lastRound).toBeGreaterThan(0);
    expect(new Set(values)).toEqual(new Set([`v${lastRound}`]));
    await deleteMany(hot);
  });
});

describe('a master killed mid-write', () => {
  it('setMany of 200k keys with expire and retries resolves, with every key and TTL present', async () => {
    const data = Array.from({ length: 200_000 }, (_, i) => [`failover:${i}`, `value-${i}`] as [string, string]);
    const masters = await cluster.masters();
    const victim = cluster.nodes.find((node) => node.port === masters[0])!;
    let retried = 0;
    let settled = false;
    // A modest concurrency so that the run is still going when the master dies.
    const writing = outcomeOf(
      setMany(data, {
        expire: 3600,
        concurrency: 8,
        retries: {
          retries: 40,
          minDelayMs: 100,
          maxDelayMs: 1000,
          retryIf: () => {
            retried++;
            return true;
          },
        },
      }).finally(() => (settled = true)),
    );
    const watcher = new Redis({ port: victim.port });
    while ((await watcher.dbsize()) < 15_000) await sleep(2);
    watcher.disconnect();
    expect(settled).toBe(false);
    cluster.kill(victim);

    const outcome = await settleWithin(writing, 60_000);
    expect(outcome).toMatchObject({ settled: true, value: { ok: true } });
    expect(retried).toBeGreaterThan(0);
    await cluster.waitHealthy();
    expect(await cluster.masters()).not.toContain(victim.port);

    const values = await getMany(
      data.map(([key]) => key),
      { retries: 5 },
    );
    expect(values.filter((value, i) => value !== data[i]![1])).toEqual([]);
    const ttls = await Promise.all(data.map(([key]) => client.ttl(key)));
    expect(ttls.filter((ttl) => ttl < 3500 || ttl > 3600)).toEqual([]);
    await deleteMany(data.map(([key]) => key));
  });

  it('without retries, every key not in failedIndexes is written (reported or ridden out, never lost)', async () => {
    const data = Array.from({ length: 100_000 }, (_, i) => [`failover-2:${i}`, `value-${i}`] as [string, string]);
    const masters = await cluster.masters();
    // The master that still has a replica: killing it fails over again.
    const withReplica: number[] = [];
    for (const port of masters) {
      if (/connected_slaves:[1-9]/.test(await cluster.cli(port, 'info', 'replication'))) withReplica.push(port);
    }
    const victim = cluster.nodes.find((node) => node.port === withReplica[0])!;
    let settled = false;
    const writing = outcomeOf(setMany(data, { expire: 3600, concurrency: 8 }).finally(() => (settled = true)));
    const watcher = new Redis({ port: victim.port });
    while ((await watcher.dbsize()) < 5_000) await sleep(2);
    watcher.disconnect();
    expect(settled).toBe(false);
    cluster.kill(victim);
    const outcome = await settleWithin(writing, 60_000);
    expect(outcome.settled).toBe(true);
    const result = (outcome as { value: { ok: boolean; error?: unknown } }).value;
    // Items sent to the dead master fail (reported); items not yet sent wait for the failover
    // (followed like a redirect, within timeoutMs) and may well succeed: either way, nothing
    // unreported is lost.
    if (!result.ok) expect(result.error).toBeInstanceOf(BulkOperationError);
    const failed = new Set(result.ok ? [] : (result.error as BulkOperationError).failedIndexes);
    await cluster.waitHealthy();
    const values = await getMany(
      data.map(([key]) => key),
      { retries: 10 },
    );
    expect(values.filter((value, i) => !failed.has(i) && value !== data[i]![1])).toEqual([]);
    await deleteMany(
      data.map(([key]) => key),
      { retries: 5 },
    );
  });
});

/** The master serving `key`'s slot and its replica, by port. */
async function shardOf(key: string): Promise<{ master: number; replica: number }> {
  const slot = keySlot(key);
  const live = cluster.nodes.find((node) => !cluster.isDead(node))!;
  const lines = (await cluster.cli(live.port, 'cluster', 'nodes')).split('\n').filter(Boolean);
  const master = lines.find(
    (line) => / master /.test(line.replace(/,/g, ' ')) && !/fail/.test(line) && serves(line, slot),
  )!;
  const id = master.split(' ')[0]!;
  const replica = lines.find((line) => line.split(' ')[3] === id && !/fail/.test(line))!;
  const portOf = (line: string): number => Number(/:(\d+)@/.exec(line)![1]);
  return { master: portOf(master), replica: portOf(replica) };
}

describe('a failover under every write path (the one redirect rule)', () => {
  const Item = defineModel('FailoverItem', { id: KeyField(), value: Field() });

  beforeAll(async () => {
    // The masters killed above come back (as replicas of those that took over): every shard has a replica again.
    for (const node of cluster.nodes.filter((n) => cluster.isDead(n))) await cluster.restart(node);
    await cluster.waitHealthy();
    await heal(cluster);
  }, 90_000);

  it('background model saves, getRedis() SETs and Publisher.publish ride out a stalled master: none fails', async () => {
    await heal(cluster);
    const { master, replica } = await shardOf('{FailoverItem}');
    const victim = cluster.nodes.find((node) => node.port === master)!;
    const failures: unknown[] = [];
    const stopErrors = onBackgroundError((error) => failures.push(error));
    const save = startNewThread((item: InstanceType<typeof Item>) => item.save({ expire: 600 }));
    const publisher = new Publisher();
    let writing = true;
    let round = 0;
    const load = (async () => {
      while (writing) {
        const n = round++;
        for (let i = 0; i < 50; i++) save(new Item({ id: `${(n * 50 + i) % 2000}`, value: `v${n}` }));
        await runAllMultithreaded(
          (i: number) => getRedis().set(`failover-cmd:${(n * 50 + i) % 2000}`, `v${n}`, 'EX', 600),
          Array.from({ length: 50 }, (_, i) => i),
        ).catch((error: unknown) => failures.push(error));
        await publisher.publish('failover-channel', n).catch((error: unknown) => failures.push(error));
        await sleep(20);
      }
    })();
    await sleep(300);
    // Stalled past the node timeout: the cluster answers CLUSTERDOWN, then MOVED, while its replica takes over.
    cluster.kill(victim, 'SIGSTOP');
    const observer = cluster.nodes.find((n) => n !== victim && !cluster.isDead(n))!;
    for (let i = 0; i < 300 && !(await cluster.masters(observer.port)).includes(replica); i++) {
      await sleep(100);
    }
    expect(await cluster.masters(observer.port)).toContain(replica);
    await sleep(1000);
    cluster.kill(victim, 'SIGCONT');
    writing = false;
    await load;
    await drainBackgroundTasks();
    stopErrors();
    await cluster.waitHealthy();
    expect(failures.map((error) => (error instanceof Error ? error.message : String(error)))).toEqual([]);
    const last = round - 1;
    // What was saved last is there (every save was acknowledged, none reported failed).
    expect((await Item.query.get({ id: `${(last * 50) % 2000}` }))?.value).toBe(`v${last}`);
  });

  it('a save cut off with its connection after part of its auto-pipeline was answered is sent again', async () => {
    await heal(cluster);
    const { master } = await shardOf('{CutItem}');
    // Its own client, every command auto-pipelined: a GET and the saves of one tick share a pipeline.
    const own = new Cluster(
      cluster.seeds.split(',').map((seed) => ({ host: '127.0.0.1', port: Number(seed.split(':')[1]) })),
      {
        enableAutoPipelining: true,
      },
    );
    const admin = new Redis({ host: '127.0.0.1', port: master });
    const Cut = defineModel('CutItem', { id: KeyField(), value: Field() }, { redis: own });
    try {
      await own.set('{CutItem}:probe', 'answered');
      // Writes wait on the master; the GET ahead of them in the pipeline is answered (ioredis hands
      // an auto-pipeline's replies out only once all have come, so it is not awaited here).
      await admin.client('PAUSE', '10000', 'WRITE');
      const read = outcomeOf(own.get('{CutItem}:probe'));
      const raw = outcomeOf(own.set('{CutItem}:raw', 'x'));
      const saves = Array.from({ length: 20 }, (_, i) => outcomeOf(new Cut({ id: `${i}`, value: `v${i}` }).save()));
      let blocked: string[] = [];
      for (let i = 0; i < 100 && blocked.length === 0; i++) {
        const clients = String(await admin.client('LIST')).split('\n');
        blocked = clients.filter((line) => /flags=\S*b/.test(line)).map((line) => /id=(\d+)/.exec(line)![1]!);
        if (blocked.length === 0) await sleep(20);
      }
      expect(blocked.length).toBeGreaterThan(0);
      for (const id of blocked) await admin.client('KILL', 'ID', id);
      await admin.client('UNPAUSE');
      // The cut happened: ioredis aborts the plain SET of that pipeline (it cannot know whether it ran) ...
      await read;
      const rawOutcome = await raw;
      expect(rawOutcome.ok).toBe(false);
      expect((rawOutcome as { error: Error }).error.message).toMatch(/aborted due to connection close/);
      // ... and every save, repeatable, was sent again and landed.
      const outcomes = await Promise.all(saves);
      expect(outcomes.filter((outcome) => !outcome.ok)).toEqual([]);
      const stored = await Promise.all(Array.from({ length: 20 }, (_, i) => Cut.query.get({ id: `${i}` })));
      expect(stored.map((item) => item?.value)).toEqual(Array.from({ length: 20 }, (_, i) => `v${i}`));
      await Promise.all(stored.map((item) => item!.delete()));
      await own.del('{CutItem}:probe', '{CutItem}:raw');
    } finally {
      await admin.client('UNPAUSE').catch(() => undefined);
      admin.disconnect();
      own.disconnect();
    }
  });

  it('a model save to a shard with no live node fails within timeoutMs with a RedisUnavailableError', async () => {
    await heal(cluster);
    const { master, replica } = await shardOf('{FailoverItem}');
    const stalled = cluster.nodes.filter((node) => node.port === master || node.port === replica);
    for (const node of stalled) cluster.kill(node, 'SIGSTOP');
    try {
      // timeoutMs (5000) of redirects, after at most timeoutMs / 2 to notice the silent socket.
      const outcome = await settleWithin(outcomeOf(new Item({ id: 'down', value: 'x' }).save()), 5000 * 2 + 2000);
      expect(outcome).toMatchObject({ settled: true, value: { ok: false } });
      const error = (outcome as { value: { error: AggregateError } }).value.error;
      expect(error.errors[0]).toBeInstanceOf(RedisUnavailableError);
    } finally {
      for (const node of stalled) cluster.kill(node, 'SIGCONT');
    }
    await cluster.waitHealthy();
  });
});

describe('waitReplicas (WAIT)', () => {
  it('confirms writes on as many replicas as asked, and reports those it could not confirm', async () => {
    await heal(cluster);
    const Item = defineModel('WaitItem', { id: KeyField(), value: Field() });
    const entries = Array.from({ length: 300 }, (_, i) => [`wait:${i}`, `v${i}`] as [string, string]);
    await setMany(entries, { expire: 600, waitReplicas: 1 });
    await Item.create({ id: '1', value: 'x' }, { expire: 600, waitReplicas: 1 });
    // Every master has one replica: two cannot confirm (WAIT gives up after timeoutMs).
    const outcome = await outcomeOf(setMany(entries.slice(0, 3), { waitReplicas: 2 }));
    expect(outcome.ok).toBe(false);
    const error = (outcome as { error: BulkOperationError }).error;
    expect(error).toBeInstanceOf(BulkOperationError);
    expect(error.failedIndexes).toEqual([0, 1, 2]);
    expect(error.errors[0]!.cause).toBeInstanceOf(ReplicasNotConfirmedError);
    expect(error.errors[0]!.cause).toMatchObject({ acknowledged: 1, required: 2 });
    await expect(setMany(entries, { waitReplicas: 0 })).rejects.toThrow(RangeError);
    await deleteMany(entries.map(([key]) => key));
  });
});

describe('every node gone', () => {
  it('fails commands and bulk operations within timeoutMs, and disconnect() settles the rest', async () => {
    const started = Date.now();
    for (const node of cluster.nodes) {
      try {
        cluster.kill(node);
      } catch {
        // killed by an earlier test
      }
    }
    const [bulk, single] = await Promise.all([
      settleWithin(getMany(['a', 'b', 'c']), 5000 + 2000),
      settleWithin(client.get('a'), 5000 + 2000),
    ]);
    expect(Date.now() - started).toBeLessThanOrEqual(7000);
    expect(bulk).toMatchObject({ settled: true, ok: false });
    expect(single).toMatchObject({ settled: true, ok: false });
    const causes = ((bulk as { error: BulkOperationError }).error.errors ?? []).map((e) => e.cause);
    expect(causes.length).toBe(3);
    const pending = outcomeOf(client.get('late'));
    const closing = Date.now();
    expect(await settleWithin(disconnect(), 5000 + 2000)).toMatchObject({ settled: true, ok: true });
    expect(Date.now() - closing).toBeLessThanOrEqual(7000);
    expect(await settleWithin(pending, 500)).toMatchObject({ settled: true });
    expect(RedisUnavailableError).toBeDefined();
  });
});
