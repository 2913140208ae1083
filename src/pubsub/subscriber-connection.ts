import type { Redis } from 'ioredis';
import { isCluster, type RedisClient } from '../redis/connection.js';
import { RedisClosedError, RedisConnectionError, RedisUnavailableError } from '../redis/errors.js';
import { timeoutOf } from '../redis/availability.js';
import { redactError, secretsOf } from '../redis/secrets.js';
import { messageOf } from '../utils/errors.js';
import { ResubscribeError } from './errors.js';

/** What the connection reports to its owner. */
export interface ConnectionEvents {
  /** A message arrived; `pattern` is set when it matched a PSUBSCRIBE pattern. */
  message(channel: Buffer, payload: Buffer, pattern: Buffer | undefined): void;
  /** The connection is up (each time, the first one included). */
  ready(): void;
  /** The connection came back (or moved to another node) and every channel and pattern is confirmed again. */
  resubscribed(): void;
  /** A connection error, or a resubscription Redis refused. The connection keeps trying. */
  error(error: unknown): void;
}

/** Channels (SUBSCRIBE) or patterns (PSUBSCRIBE). */
export type SubscriptionKind = 'channel' | 'pattern';

/** What a Subscriber asks of its connection(s): classic (`SubscriberConnection`) or sharded (`ShardedConnection`). */
export interface PubSubConnection {
  /** The channels or patterns currently held, in the order they were first added. */
  list(kind: SubscriptionKind): string[];
  /** Subscribes; resolves once Redis confirmed. */
  add(kind: SubscriptionKind, names: string[]): Promise<void>;
  /** Unsubscribes from `names`, or from every one of that kind when undefined. */
  remove(kind: SubscriptionKind, names: string[] | undefined): Promise<void>;
  /** Closes for good; calls still waiting reject with a RedisClosedError. */
  close(): Promise<void>;
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/** A single Redis: reconnect forever (ioredis's default curve), since a subscriber that gives up misses everything. */
const retryForever = (attempt: number): number => Math.min(attempt * 50, 2000);

/**
 * A cluster node: a few quick retries (enough for a dropped connection), then the connection
 * ends and the next master is tried, so that a node that is gone for good costs about a second
 * of messages rather than all of them until it returns.
 */
const retryThenMoveOn = (attempt: number): number | null => (attempt > 3 ? null : attempt * 100);

/** What a call on a closed Subscriber rejects with. */
export function subscriberClosedError(): RedisClosedError {
  return new RedisClosedError('the subscriber is closed (close() was called)');
}

/**
 * The dedicated connection of a Subscriber, and the channels and patterns it must hold.
 *
 * Always a plain ioredis `Redis` in subscriber mode: a `duplicate()` of the single Redis, or of
 * one master of a cluster (a PUBLISH on any cluster node reaches subscribers on every node).
 * ioredis's `Cluster` pub/sub is not used because its internal subscriber connection
 * resubscribes on its own without telling anyone when it is done, and the whole point here is
 * to know. For the same reason ioredis's `autoResubscribe` is off: after every reconnect this
 * class subscribes again to its own record of channels and patterns, then reports `resubscribed`.
 */
export class SubscriberConnection implements PubSubConnection {
  readonly #channels = new Set<string>();
  readonly #patterns = new Set<string>();
  readonly #waiters: Waiter[] = [];
  readonly #closed: Promise<never>;
  #rejectClosed!: (error: unknown) => void;
  #redis: Redis;
  #nodeIndex: number;
  /** Counts resubscriptions started; `#resubscribedAt` is the last one that succeeded. */
  #generation = 0;
  #resubscribedAt = 0;
  #closing = false;

  private readonly name: string;
  private readonly onCluster: boolean;
  private readonly events: ConnectionEvents;
  /** The client's `timeoutMs`: how long a (un)subscribe waits for Redis's confirmation. */
  private readonly timeoutMs: number;

  private constructor(
    private readonly nodes: () => Redis[],
    settings: { name: string; onCluster: boolean; events: ConnectionEvents; timeoutMs: number },
  ) {
    ({ name: this.name, onCluster: this.onCluster, events: this.events, timeoutMs: this.timeoutMs } = settings);
    this.#closed = new Promise<never>((_, reject) => (this.#rejectClosed = reject));
    // Only ever raced against; this handler keeps it from being an unhandled rejection.
    this.#closed.catch(() => undefined);
    const candidates = nodes();
    this.#nodeIndex = Math.floor(Math.random() * candidates.length);
    this.#redis = this.#open(candidates[this.#nodeIndex]!, 'first');
  }

  /** Opens a connection for `client` named `name` (visible in CLIENT LIST). */
  static async open(client: RedisClient, name: string, events: ConnectionEvents): Promise<SubscriberConnection> {
    const timeoutMs = timeoutOf(client);
    if (!isCluster(client)) {
      return new SubscriberConnection(() => [client], { name, onCluster: false, events, timeoutMs });
    }
    // The node list is only known once the cluster is connected; a command waits for that.
    if (client.status !== 'ready') await client.ping();
    const known = client.nodes('master');
    if (known.length === 0) throw new RedisConnectionError('the Redis Cluster reports no master node to subscribe on');
    // The live list follows failovers; the first one still serves if the cluster client is closed later.
    const nodes = (): Redis[] => {
      const live = client.status === 'ready' ? client.nodes('master') : [];
      return live.length > 0 ? live : known;
    };
    return new SubscriberConnection(nodes, { name, onCluster: true, events, timeoutMs });
  }

  /** The channels or patterns currently held, in the order they were first added. */
  list(kind: SubscriptionKind): string[] {
    return [...this.#set(kind)];
  }

  /** Subscribes; resolves once Redis confirmed (after a reconnect if the connection is down). */
  async add(kind: SubscriptionKind, names: string[]): Promise<void> {
    const set = this.#set(kind);
    const added = names.filter((name) => !set.has(name));
    for (const name of added) set.add(name);
    try {
      await this.#confirm((redis) => (kind === 'channel' ? redis.subscribe(...names) : redis.psubscribe(...names)));
    } catch (error) {
      // Not confirmed in time (Redis down): kept, so that it takes effect when Redis is back
      // (the command is still queued, and every reconnect subscribes to the record).
      if (error instanceof RedisUnavailableError) throw error;
      // Refused (an ACL, say): not kept, or every reconnect would fail on it again.
      for (const name of added) set.delete(name);
      throw error;
    }
  }

  /** Unsubscribes from `names`, or from every channel or pattern of that kind when undefined. */
  async remove(kind: SubscriptionKind, names: string[] | undefined): Promise<void> {
    const set = this.#set(kind);
    const removed = names === undefined ? [...set] : names.filter((name) => set.has(name));
    if (removed.length === 0) return;
    for (const name of removed) set.delete(name);
    await this.#confirm((redis) =>
      kind === 'channel' ? redis.unsubscribe(...removed) : redis.punsubscribe(...removed),
    );
  }

  /** Closes the connection and stops reconnecting; calls still waiting reject with a RedisClosedError. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#rejectClosed(subscriberClosedError());
    this.#waiters.length = 0;
    await closeLink(this.#redis);
  }

  #set(kind: SubscriptionKind): Set<string> {
    return kind === 'channel' ? this.#channels : this.#patterns;
  }

  /**
   * Sends a (un)subscribe and waits for Redis's confirmation. Commands wait in ioredis's offline
   * queue while the connection is down, and are sent again if it dropped before the reply
   * (`maxRetriesPerRequest: null`), so a drop alone does not fail the call. A cluster connection
   * that gives up on its node rejects what it held; the connection that replaces it subscribes to
   * the whole record, so the call then waits for that instead.
   */
  async #confirm(send: (redis: Redis) => Promise<unknown>): Promise<void> {
    if (this.#closing) throw subscriberClosedError();
    // However the confirmation is waited for, it fails after timeoutMs with Redis unreachable.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new RedisUnavailableError(
            `Redis did not confirm the (un)subscribe within timeoutMs (${this.timeoutMs} ms): it is unreachable; ` +
              'the subscriber keeps reconnecting and holds the request, which takes effect when Redis is back',
            this.timeoutMs,
          ),
        );
      }, this.timeoutMs);
      timer.unref();
    });
    late.catch(() => undefined);
    try {
      await this.#confirmUntimed(send, late);
    } finally {
      clearTimeout(timer);
    }
  }

  async #confirmUntimed(send: (redis: Redis) => Promise<unknown>, late: Promise<never>): Promise<void> {
    const redis = this.#redis;
    const sentAt = this.#generation;
    try {
      await Promise.race([send(redis), this.#closed, late]);
    } catch (error) {
      if (this.#closing) throw subscriberClosedError();
      if (error instanceof RedisUnavailableError) throw error;
      // ioredis marks the connection ended before it rejects what it held; any other failure is Redis's answer.
      if (redis.status !== 'end') throw error;
      // A resubscription that started after this call went out already covered it.
      if (this.#resubscribedAt > sentAt) return;
      await Promise.race([
        new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject })),
        this.#closed,
        late,
      ]);
    }
  }

  /** A `'replacement'` connection resubscribes on its first 'ready'; the `'first'` has nothing to resubscribe yet. */
  #open(node: Redis, role: 'first' | 'replacement'): Redis {
    const redis = openSubscriberLink(node, { name: this.name, onCluster: this.onCluster });
    // The first connection's first 'ready' sends nothing: the calls that started it are queued.
    let resubscribeOnReady = role === 'replacement';
    redis.on('messageBuffer', (channel: Buffer, payload: Buffer) => this.events.message(channel, payload, undefined));
    redis.on('pmessageBuffer', (pattern: Buffer, channel: Buffer, payload: Buffer) =>
      this.events.message(channel, payload, pattern),
    );
    // Scrubbed in place before anyone sees it: a failed AUTH on reconnect (a rotated password)
    // carries the password in error.command.args, and ioredis rejects queued calls with it too.
    const secrets = secretsOf(redis);
    redis.on('error', (error: unknown) => this.events.error(redactError(error, secrets)));
    redis.on('ready', () => {
      this.events.ready();
      if (resubscribeOnReady) void this.#resubscribe(redis);
      resubscribeOnReady = true;
    });
    redis.on('end', () => {
      if (this.#closing || redis !== this.#redis) return;
      const nodes = this.nodes();
      this.#nodeIndex = (this.#nodeIndex + 1) % nodes.length;
      this.#redis = this.#open(nodes[this.#nodeIndex]!, 'replacement');
    });
    return redis;
  }

  /** Subscribes `redis` to the whole record again; only the latest reconnect's attempt reports. */
  async #resubscribe(redis: Redis): Promise<void> {
    const generation = ++this.#generation;
    const channels = [...this.#channels];
    const patterns = [...this.#patterns];
    let failure: { error: unknown } | undefined;
    try {
      await Promise.all([
        channels.length > 0 ? redis.subscribe(...channels) : undefined,
        patterns.length > 0 ? redis.psubscribe(...patterns) : undefined,
      ]);
    } catch (error) {
      failure = { error };
    }
    // Dropped again meanwhile: the next 'ready' starts over and reports instead.
    if (this.#closing || generation !== this.#generation || redis !== this.#redis) return;
    const waiters = this.#waiters.splice(0);
    if (failure === undefined) {
      this.#resubscribedAt = generation;
      for (const waiter of waiters) waiter.resolve();
      this.events.resubscribed();
      return;
    }
    const error = new ResubscribeError(`resubscribing after a reconnect failed: ${messageOf(failure.error)}`, {
      cause: failure.error,
    });
    for (const waiter of waiters) waiter.reject(error);
    this.events.error(error);
  }
}

/**
 * A subscriber-mode connection to `node`: a duplicate of it named `name`, that queues commands
 * while down and sends them again after a drop. On a cluster node it gives up after a few quick
 * retries (its owner then moves on); on a single Redis it reconnects forever.
 */
export function openSubscriberLink(node: Redis, { name, onCluster }: { name: string; onCluster: boolean }): Redis {
  return node.duplicate({
    connectionName: name,
    lazyConnect: false,
    enableOfflineQueue: true,
    enableAutoPipelining: false,
    autoResubscribe: false,
    maxRetriesPerRequest: null,
    readOnly: false,
    retryStrategy: onCluster ? retryThenMoveOn : retryForever,
    // disconnect() waits this long for a socket 'close' that never comes when the socket is
    // already gone (between reconnect attempts), keeping the process alive meanwhile. Nothing
    // a subscriber sends needs a graceful flush, so the socket is destroyed at once.
    disconnectTimeout: 0,
  });
}

/** Disconnects `redis` and resolves once it has ended (at once when it has no socket to close). */
export function closeLink(redis: Redis): Promise<void> {
  return new Promise<void>((resolve) => {
    redis.once('end', resolve);
    redis.disconnect();
    // Between two reconnect attempts there is no socket: disconnect() cancels the timer and no 'end' follows.
    if (redis.status === 'end' || redis.status === 'reconnecting') {
      redis.off('end', resolve);
      resolve();
    }
  });
}
