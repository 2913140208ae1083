// A sharded Subscriber while the cluster moves under it: a channel's slot migrated to another
// master, then the master holding it killed (its replica takes over). One dedicated cluster of
// 3 masters with a replica each, started here and stopped at the end; the tests run in order.
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Publisher, Subscriber } from '../../src/pubsub/index.js';
import { publishMany } from '../../src/redis/index.js';
import { keySlot } from '../../src/redis/key-slot.js';
import { startFaultCluster, type FaultCluster } from '../../bench/soak/fault-cluster.js';
import { failOnWarningsAndUnhandledRejections } from '../helpers/process-warnings.js';
import { waitUntil } from '../helpers/async.js';
import { nextMessages, nextResubscribe } from './helpers.js';

failOnWarningsAndUnhandledRejections();

let cluster: FaultCluster;
let client: Cluster;
let subscriber: Subscriber;
const errors: unknown[] = [];

beforeAll(async () => {
  cluster = await startFaultCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000 });
  client = new Cluster(
    cluster.seeds.split(',').map((seed) => ({ host: '127.0.0.1', port: Number(seed.split(':')[1]) })),
  );
  subscriber = new Subscriber({ redis: client, sharded: true, encoding: 'raw' });
  // Placing channels while the cluster settles reports each failed attempt; the tests only need delivery.
  subscriber.onError((error) => errors.push(error));
}, 60_000);

afterAll(async () => {
  await subscriber?.close();
  client?.disconnect();
  await cluster?.stop();
});

const moving = 'sharded-faults:moving';
const staying = 'sharded-faults:staying';

/** The port of the master that serves `slot`, per `CLUSTER SHARDS`-free `CLUSTER NODES` of a live node. */
async function ownerOf(slot: number): Promise<{ port: number; id: string }> {
  const text = await cluster.cli((await cluster.masters())[0]!, 'cluster', 'nodes');
  for (const line of text.split('\n').filter(Boolean)) {
    const [id, address, flags, , , , , , ...ranges] = line.split(' ');
    if (!flags!.includes('master') || flags!.includes('fail')) continue;
    for (const range of ranges) {
      const [from, to = from] = range.split('-').map(Number);
      if (slot >= from! && slot <= to!) return { id: id!, port: Number(/:(\d+)@/.exec(address!)![1]) };
    }
  }
  throw new Error(`no master serves slot ${slot}`);
}

/** Moves `slot` (holding no keys) to the master at `targetPort`, as redis-cli --cluster reshard does. */
async function moveSlot(slot: number, source: { port: number; id: string }, targetPort: number): Promise<void> {
  const targetId = (await cluster.cli(targetPort, 'cluster', 'myid')).trim();
  await cluster.cli(targetPort, 'cluster', 'setslot', String(slot), 'importing', source.id);
  await cluster.cli(source.port, 'cluster', 'setslot', String(slot), 'migrating', targetId);
  await cluster.cli(targetPort, 'cluster', 'setslot', String(slot), 'node', targetId);
  for (const port of await cluster.masters())
    await cluster.cli(port, 'cluster', 'setslot', String(slot), 'node', targetId);
}

/** How many calls the node at `port` refused with a plain ERR (a script touching a slot it does not serve is one). */
async function refusedScripts(port: number): Promise<number> {
  const stats = await cluster.cli(port, 'info', 'errorstats');
  return Number(/errorstat_ERR:count=(\d+)/.exec(stats)?.[1] ?? 0);
}

async function shardSubscribers(port: number, channel: string): Promise<number> {
  const reply = await cluster.cli(port, 'pubsub', 'shardnumsub', channel);
  return Number(reply.trim().split('\n')[1]);
}

describe('a sharded subscription while the cluster moves', () => {
  it('follows a slot moved to another master (the old one unsubscribes it) and keeps the other channels', async () => {
    const slot = keySlot(moving);
    const source = await ownerOf(slot);
    expect((await ownerOf(keySlot(staying))).port).not.toBe(source.port);
    await subscriber.subscribe(moving, staying);
    expect(await shardSubscribers(source.port, moving)).toBe(1);
    const targetPort = (await cluster.masters()).find((port) => port !== source.port)!;

    await cluster.cli(source.port, 'config', 'resetstat');
    const resubscribed = nextResubscribe(subscriber);
    await moveSlot(slot, source, targetPort);
    await resubscribed;
    expect(await shardSubscribers(targetPort, moving)).toBe(1);
    expect(await shardSubscribers(source.port, moving)).toBe(0);
    // Each MOVED answer is also reported as 'moved'; one placement follows it, not one per answer
    // (that once sent hundreds of SSUBSCRIBEs to the old owner while the slot map was stale).
    const stats = await cluster.cli(source.port, 'info', 'commandstats');
    const sent = /cmdstat_ssubscribe:calls=(\d+),.*rejected_calls=(\d+)/.exec(stats);
    expect(Number(sent?.[1] ?? 0) + Number(sent?.[2] ?? 0)).toBeLessThanOrEqual(3);

    const publisher = new Publisher({ redis: client, sharded: true, encoding: 'raw' });
    const received = nextMessages(subscriber, 3);
    await publisher.publish(moving, 'm1');
    await publisher.publish(staying, 's1');
    await publisher.publish(moving, 'm2');
    const messages = await received;
    expect(messages.filter((m) => m.channel === moving).map((m) => m.data)).toEqual(['m1', 'm2']);
    expect(messages.filter((m) => m.channel === staying).map((m) => m.data)).toEqual(['s1']);
    expect(subscriber.channels).toEqual([moving, staying]);
  });

  it('publishMany (sharded) through a client whose slot map predates a slot move: each message delivered once, in order', async () => {
    const channel = 'sharded-faults:bulk';
    const slot = keySlot(channel);
    const stale = new Cluster(
      cluster.seeds.split(',').map((seed) => ({ host: '127.0.0.1', port: Number(seed.split(':')[1]) })),
    );
    try {
      await stale.ping();
      await subscriber.subscribe(channel);
      const source = await ownerOf(slot);
      const targetPort = (await cluster.masters()).find((port) => port !== source.port)!;
      const resubscribed = nextResubscribe(subscriber);
      await moveSlot(slot, source, targetPort);
      await resubscribed;
      // The client still sends the slot to its old master, which refuses the publishing script.
      expect(stale.slots[slot]![0]).toBe(`127.0.0.1:${source.port}`);
      const refusedBefore = await refusedScripts(source.port);

      const texts = Array.from({ length: 50 }, (_, i) => `b${i}`);
      const received = nextMessages(subscriber, texts.length);
      const counts = await publishMany(
        texts.map((text) => [channel, text] as const),
        { redis: stale, sharded: true },
      );
      expect(counts).toEqual(texts.map(() => 1));
      expect((await received).map((m) => [m.channel, m.data])).toEqual(texts.map((text) => [channel, text]));
      expect(await refusedScripts(source.port)).toBeGreaterThan(refusedBefore);
    } finally {
      stale.disconnect();
      await subscriber.unsubscribe(channel);
    }
  });

  it('subscribes again on the replica that takes over when the master holding the channel is killed', async () => {
    const slot = keySlot(moving);
    const victim = await ownerOf(slot);
    const node = cluster.nodes.find((n) => n.port === victim.port)!;
    const resubscribed = nextResubscribe(subscriber);
    cluster.kill(node);
    await cluster.waitHealthy();
    await resubscribed;
    // Nodes learn of the failover one by one: wait until the node asked has, instead of reading
    // its view at once (under load it can still list the killed master as the owner).
    let owner = victim;
    await waitUntil(async () => {
      owner = await ownerOf(slot).catch(() => victim);
      return owner.port !== victim.port;
    }, `a replica to take over slot ${slot} from ${victim.port}`);
    // Another link's resubscription can be what reported first (and `staying` may have lived on
    // the victim too): wait for each channel to be held where its slot is now served.
    await waitUntil(async () => (await shardSubscribers(owner.port, moving)) === 1, `${moving} on ${owner.port}`);
    const stayingOwner = await ownerOf(keySlot(staying));
    await waitUntil(
      async () => (await shardSubscribers(stayingOwner.port, staying)) === 1,
      `${staying} on ${stayingOwner.port}`,
    );

    // The publishing side learns the new map the way a program would: on its next slot refresh.
    await new Promise<void>((resolve) => client.refreshSlotsCache(() => resolve()));
    const publisher = new Publisher({ redis: client, sharded: true, encoding: 'raw' });
    const received = nextMessages(subscriber, 2);
    await publisher.publish(moving, 'after failover');
    await publisher.publish(staying, 'still here');
    const messages = await received;
    expect(messages.map((m) => [m.channel, m.data]).sort()).toEqual([
      [moving, 'after failover'],
      [staying, 'still here'],
    ]);
  });
});
