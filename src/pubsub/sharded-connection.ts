import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { NoSlotOwnerError } from '../redis/batch-route.js';
import { masterForSlot, refreshSlots } from '../redis/cluster-nodes.js';
import { isCluster, type RedisClient } from '../redis/connection.js';
import { redirectOf } from '../redis/redirects.js';
import { keySlot } from '../redis/key-slot.js';
import { redactError, secretsOf } from '../redis/secrets.js';
import { messageOf } from '../utils/errors.js';
import { ResubscribeError } from './errors.js';
import { assertShardedPubSub } from '../redis/sharded-support.js';
import {
  closeLink,
  openSubscriberLink,
  subscriberClosedError,
  type ConnectionEvents,
  type PubSubConnection,
  type SubscriptionKind,
} from './subscriber-connection.js';

/** One subscriber-mode connection to one node, and the shard channels it holds. */
interface Link {
  readonly address: string;
  readonly redis: Redis;
  readonly channels: Set<string>;
  /** SSUBSCRIBEs in flight, settled by a 'moved' (ioredis 5 leaves one answered MOVED pending forever). */
  readonly moved: Set<() => void>;
}

/** Wait between two attempts to place channels while the cluster settles (ioredis's `retryDelayOnMoved` is 0, TRYAGAIN's 100). */
const SETTLE_DELAY_MS = 100;
/** Longest wait between attempts, once the cluster has been unsettled for a while. */
const MAX_SETTLE_DELAY_MS = 1000;
/** How long a slot-map refresh may take before the next attempt goes ahead with what is known. */
const REFRESH_TIMEOUT_MS = 2000;

/**
 * The connections of a sharded Subscriber (SSUBSCRIBE, Redis 7). A shard channel lives on the
 * master of its hash slot, so on a cluster there is one connection per master that serves a
 * subscribed channel, and one SSUBSCRIBE per slot (a multi-slot one is a CROSSSLOT error).
 *
 * A channel's node can change under it; every case ends with the channel subscribed on its
 * slot's current master, then `resubscribed`:
 * - a dropped connection reconnects and subscribes its channels again;
 * - a node gone for good (its connection gives up): its channels are placed again per the
 *   refreshed slot map, on the master that took over;
 * - a slot moved (resharding): the old node unsubscribes the slot's channels itself (an
 *   unsolicited SUNSUBSCRIBE, which ioredis reports as `moved`), so the connection's channels are
 *   subscribed again; those whose slot left get MOVED and are placed on the new owner.
 * Placing retries with a short backoff while the cluster answers MOVED, ASK, TRYAGAIN or
 * CLUSTERDOWN or the owner is unreachable, until it succeeds or `close()`; any other refusal
 * (an ACL, say) is the caller's error.
 */
export class ShardedConnection implements PubSubConnection {
  readonly #channels = new Set<string>();
  readonly #links = new Map<string, Link>();
  /** Channels with a placement under way, and how many: each ends subscribed on the current owner. */
  readonly #placing = new Map<string, number>();
  readonly #closed: Promise<never>;
  #rejectClosed!: (error: unknown) => void;
  #closing = false;

  private constructor(
    private readonly client: RedisClient,
    private readonly name: string,
    private readonly events: ConnectionEvents,
  ) {
    this.#closed = new Promise<never>((_, reject) => (this.#rejectClosed = reject));
    // Only ever raced against; this handler keeps it from being an unhandled rejection.
    this.#closed.catch(() => undefined);
  }

  /** Checks that the server has sharded pub/sub (a ShardedPubSubUnsupportedError if not); connects nothing yet. */
  static async open(client: RedisClient, name: string, events: ConnectionEvents): Promise<ShardedConnection> {
    await assertShardedPubSub(client);
    return new ShardedConnection(client, name, events);
  }

  /** The shard channels held, in the order first added; a sharded subscriber has no patterns. */
  list(kind: SubscriptionKind): string[] {
    return kind === 'channel' ? [...this.#channels] : [];
  }

  /** SSUBSCRIBEs `names` on their slots' masters; resolves once every one is confirmed. */
  async add(_kind: SubscriptionKind, names: string[]): Promise<void> {
    const added = names.filter((name) => !this.#channels.has(name));
    for (const name of added) this.#channels.add(name);
    try {
      await Promise.race([this.#place(names), this.#closed]);
    } catch (error) {
      // Refused (an ACL, say): not kept, or every resubscription would fail on it again.
      for (const name of added) this.#forget(name);
      throw this.#closing ? subscriberClosedError() : error;
    }
  }

  /** SUNSUBSCRIBEs `names` (every channel when undefined) on the nodes that hold them. */
  async remove(_kind: SubscriptionKind, names: string[] | undefined): Promise<void> {
    if (this.#closing) throw subscriberClosedError();
    const removed = names === undefined ? [...this.#channels] : names.filter((name) => this.#channels.has(name));
    const sends: Promise<unknown>[] = [];
    for (const link of this.#links.values()) {
      const here = removed.filter((name) => link.channels.has(name));
      for (const group of bySlot(here).values()) {
        // A node that is gone no longer holds them anyway.
        sends.push(link.redis.sunsubscribe(...group).catch(() => undefined));
      }
    }
    for (const name of removed) this.#forget(name);
    await Promise.race([Promise.all(sends), this.#closed]);
  }

  /** Closes every connection and stops re-placing; calls still waiting reject with a RedisClosedError. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#rejectClosed(subscriberClosedError());
    const links = [...this.#links.values()];
    this.#links.clear();
    await Promise.all(links.map((link) => closeLink(link.redis)));
  }

  #forget(name: string): void {
    this.#channels.delete(name);
    for (const link of this.#links.values()) link.channels.delete(name);
  }

  /**
   * Subscribes `names` (those still wanted) on their slots' current masters, one SSUBSCRIBE per
   * slot, all slots concurrently. Retries while the cluster is settling; see the class comment.
   */
  async #place(names: readonly string[]): Promise<void> {
    await Promise.all([...bySlot(names)].map(([slot, group]) => this.#placeSlot(slot, group)));
  }

  async #placeSlot(slot: number, group: string[]): Promise<void> {
    for (const name of group) this.#placing.set(name, (this.#placing.get(name) ?? 0) + 1);
    try {
      await this.#placeSlotUntilDone(slot, group);
    } finally {
      for (const name of group) {
        const count = this.#placing.get(name)! - 1;
        if (count === 0) this.#placing.delete(name);
        else this.#placing.set(name, count);
      }
    }
  }

  async #placeSlotUntilDone(slot: number, group: string[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.#closing) throw subscriberClosedError();
      const wanted = group.filter((name) => this.#channels.has(name));
      if (wanted.length === 0) return;
      let link: Link | undefined;
      try {
        link = this.#linkFor(slot);
        await subscribeOn(link, wanted);
        for (const other of this.#links.values()) {
          if (other !== link) for (const name of wanted) other.channels.delete(name);
        }
        // Removed while the SSUBSCRIBE was in flight: the SUNSUBSCRIBE went before it, so undo it here.
        const dropped = wanted.filter((name) => !this.#channels.has(name));
        if (dropped.length > 0) await link.redis.sunsubscribe(...dropped).catch(() => undefined);
        for (const name of wanted) if (this.#channels.has(name)) link.channels.add(name);
        return;
      } catch (error) {
        if (this.#closing) throw subscriberClosedError();
        if (!isUnsettled(error, link)) throw error;
        if (attempt > 0) this.events.error(error);
        await sleep(Math.min(SETTLE_DELAY_MS * 2 ** attempt, MAX_SETTLE_DELAY_MS));
        if (isCluster(this.client)) await refreshSlots(this.client, REFRESH_TIMEOUT_MS);
      }
    }
  }

  /** The connection to the master of `slot` (the one server when not a cluster), opened on first use. */
  #linkFor(slot: number): Link {
    let node: Redis;
    if (isCluster(this.client)) {
      const owner = masterForSlot(this.client, slot);
      if (owner === undefined) throw new NoSlotOwnerError(`no known master serves hash slot ${slot}`);
      node = owner;
    } else {
      node = this.client;
    }
    const address = `${node.options.host}:${node.options.port}`;
    let link = this.#links.get(address);
    if (link === undefined) {
      link = this.#openLink(address, node);
      this.#links.set(address, link);
    }
    return link;
  }

  #openLink(address: string, node: Redis): Link {
    const redis = openSubscriberLink(node, { name: this.name, onCluster: isCluster(this.client) });
    const link: Link = { address, redis, channels: new Set(), moved: new Set() };
    redis.on('smessageBuffer', (channel: Buffer, payload: Buffer) => this.events.message(channel, payload, undefined));
    const secrets = secretsOf(redis);
    redis.on('error', (error: unknown) => this.events.error(redactError(error, secrets)));
    let first = true;
    redis.on('ready', () => {
      this.events.ready();
      // The first 'ready' has nothing to redo: the SSUBSCRIBE that opened the link is queued.
      if (!first) this.#replace(link, 'reconnect');
      first = false;
    });
    // ioredis reports an unsolicited SUNSUBSCRIBE (the node gave a slot away) as 'moved'.
    redis.on('moved', () => {
      for (const settle of [...link.moved]) settle();
      this.#replace(link, 'moved');
    });
    redis.on('end', () => {
      if (this.#closing || this.#links.get(address) !== link) return;
      this.#links.delete(address);
      this.#replace(link, 'end');
    });
    return link;
  }

  /**
   * Subscribes `link`'s channels again (wherever they now belong), then reports `resubscribed`.
   * A channel already being placed is left to that placement, which retries on the same events:
   * ioredis reports a MOVED answer to an SSUBSCRIBE as 'moved' too, and re-placing on every one
   * started a new placement per MOVED while the slot map was stale, hundreds of them at once.
   */
  #replace(link: Link, why: 'reconnect' | 'moved' | 'end'): void {
    const channels = [...link.channels].filter((name) => !this.#placing.has(name));
    if (why === 'end') link.channels.clear();
    if (channels.length === 0 || this.#closing) return;
    this.#place(channels).then(
      () => {
        if (!this.#closing) this.events.resubscribed();
      },
      (error: unknown) => {
        if (this.#closing) return;
        this.events.error(
          new ResubscribeError(`resubscribing shard channels failed: ${messageOf(error)}`, { cause: error }),
        );
      },
    );
  }
}

/** `names` grouped by hash slot, first appearance order. */
function bySlot(names: readonly string[]): Map<number, string[]> {
  const groups = new Map<number, string[]>();
  for (const name of names) {
    const slot = keySlot(name);
    const group = groups.get(slot);
    if (group === undefined) groups.set(slot, [name]);
    else group.push(name);
  }
  return groups;
}

/**
 * SSUBSCRIBE on `link`; a 'moved' from the node meanwhile fails it (to be placed again). That
 * includes a 'moved' parsed after the SSUBSCRIBE's reply but before this function resumes (the
 * node gave the slot away right after confirming, in the same read): `#replace` leaves a channel
 * being placed to its placement, so this placement must go again.
 */
async function subscribeOn(link: Link, names: string[]): Promise<void> {
  let movedMeanwhile = false;
  let settle = (): void => undefined;
  const moved = new Promise<never>((_, reject) => {
    settle = () => {
      movedMeanwhile = true;
      reject(new NoSlotOwnerError('the node answered MOVED: the slot is served elsewhere'));
    };
    link.moved.add(settle);
  });
  moved.catch(() => undefined);
  try {
    await Promise.race([link.redis.ssubscribe(...names), moved]);
  } finally {
    link.moved.delete(settle);
  }
  if (movedMeanwhile) throw new NoSlotOwnerError('the node dropped its shard channels while subscribing');
}

/** Whether `error` means "not here, not now" (try again after a slot refresh), not a refusal. */
function isUnsettled(error: unknown, link: Link | undefined): boolean {
  if (error instanceof NoSlotOwnerError) return true;
  // ioredis rejects what a connection held once it gives up on its node.
  if (link !== undefined && link.redis.status === 'end') return true;
  return redirectOf(error) !== undefined;
}
