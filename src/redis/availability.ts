import type { Redis, RedisOptions } from 'ioredis';
import { isCluster, type RedisClient } from './client-shape.js';
import { RedisUnavailableError } from './errors.js';
import { flushQueue, holdsCommands, markEnded, rejectResendQueue } from './ioredis-internals.js';

/**
 * Default of `connect({ timeoutMs })`: the longest a command waits on a Redis that cannot answer
 * (down, restarting, stalled, unreachable) before it fails.
 */
export const DEFAULT_TIMEOUT_MS = 5000;

/** While a client is unavailable, how often commands that were queued meanwhile are failed. */
const SWEEP_INTERVAL_MS = 100;

/**
 * ioredis options that make a connection notice a dead or silent server within half of
 * `timeoutMs`, and keep reconnecting quickly so that a server back within the other half is
 * used again without an error:
 * - `socketTimeout`: a reply awaited for this long with no byte received means the socket is
 *   dead (a stalled server, a lost network): it is destroyed, and ioredis reconnects.
 * - `connectTimeout`: the same for opening a connection.
 * - `retryStrategy`: reconnect every 50 ms at first, slowing to once a second (ioredis's default
 *   waits up to 2 s between attempts, which a 1 s restart would feel).
 * - `maxRetriesPerRequest: null`: ioredis's own limit counts reconnect attempts, not time
 *   (20 attempts took 73 s); `guardAvailability` applies the time limit instead.
 */
export function availabilityOptions(timeoutMs: number): RedisOptions {
  const half = Math.max(1, Math.floor(timeoutMs / 2));
  return {
    socketTimeout: half,
    connectTimeout: half,
    retryStrategy: (attempt: number) => Math.min(attempt * 50, 1000),
    maxRetriesPerRequest: null,
  };
}

/** What `guardAvailability` returns. */
export interface AvailabilityGuard {
  readonly timeoutMs: number;
  /**
   * The connection came back unusable (a database index refused on a reconnect): every command
   * held, and every new one until the client is ready again, fails at once with `error`.
   */
  fail(error: Error): void;
  /** Stops watching (the client is being closed). */
  stop(): void;
}

// `guards` and `watchers` below stay module-level WeakMaps on purpose: they hold per-client
// state, keyed by the client object, not process-wide state. A client reaches code with no
// RedisConnection at hand (a bulk operation or a model given the client itself), and the entry
// goes with the client when it is collected, so two connections never see each other's.
const guards = new WeakMap<object, AvailabilityGuard>();

/** The `timeoutMs` of a client popoto-ts opened, else the default (for a client handed to us). */
export function timeoutOf(client: object): number {
  return guards.get(client)?.timeoutMs ?? DEFAULT_TIMEOUT_MS;
}

/**
 * Bounds how long commands wait on `client` (one popoto-ts opened) while it cannot serve them.
 *
 * ioredis queues commands while it reconnects and has no time limit of its own: with the server
 * gone they wait as long as reconnecting goes on. Here, once the client has been unable to serve
 * for half of `timeoutMs` (the other half is `socketTimeout`, the time to notice), every command
 * queued or in flight is rejected with a `RedisUnavailableError`, and so is every command queued
 * afterwards (within 100 ms) until the client is ready again. Reconnecting goes on meanwhile, so
 * the client recovers on its own when the server comes back.
 *
 * The guard stops when the client closes for good ('end'). Timers are unref'd: a guard never
 * keeps the process alive.
 */
export function guardAvailability(client: RedisClient, timeoutMs: number, target: string): AvailabilityGuard {
  const downMs = Math.max(1, timeoutMs - Math.floor(timeoutMs / 2));
  let timer: NodeJS.Timeout | undefined;
  let sweeper: NodeJS.Timeout | undefined;
  let stopped = false;
  // Why the client cannot be used, when it is known better than "unreachable".
  let failure: Error | undefined;

  const clear = (): void => {
    clearTimeout(timer);
    clearInterval(sweeper);
    timer = undefined;
    sweeper = undefined;
  };
  const sweep = (): void => {
    if (failure !== undefined) {
      // Not in the middle of a reconnect's handshake: its own commands (the ready check's INFO)
      // are queued with the others, and failing them would let ioredis skip its checks.
      if (client.status !== 'connect') rejectQueued(client, failure, { closing: false });
      return;
    }
    const error = new RedisUnavailableError(
      `Redis at ${target} is unreachable (no usable connection for ${downMs} ms; timeoutMs is ${timeoutMs}); ` +
        'the command was not confirmed (it may have run if it was sent before the connection was lost)',
      timeoutMs,
    );
    rejectQueued(client, error, { closing: false });
  };
  const down = (): void => {
    if (stopped || timer !== undefined || sweeper !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (stopped || client.status === 'ready') return;
      sweep();
      sweeper = setInterval(sweep, SWEEP_INTERVAL_MS).unref();
    }, downMs).unref();
  };
  const up = (): void => {
    failure = undefined;
    clear();
  };
  // Closed for good (quit() or disconnect() on the client itself): ioredis refuses every later
  // command at once, so there is nothing left to bound, and a sweeper started now would run for
  // the life of the process.
  const end = (): void => guard.stop();

  client.on('close', down);
  client.on('reconnecting', down);
  client.on('end', end);
  client.on('ready', up);
  const guard: AvailabilityGuard = {
    timeoutMs,
    fail(error) {
      if (stopped) return;
      failure = error;
      clear();
      sweeper = setInterval(sweep, SWEEP_INTERVAL_MS).unref();
    },
    stop() {
      stopped = true;
      clear();
      client.off('close', down);
      client.off('reconnecting', down);
      client.off('end', end);
      client.off('ready', up);
    },
  };
  guards.set(client, guard);
  return guard;
}

const watchers = new WeakMap<object, Map<string, Set<() => void>>>();

/**
 * Calls `callback` the next time `client` emits `event` ('end': closed for good; 'ready':
 * usable again); returns a function that cancels it. One listener per client and event whatever
 * the number of callers, so that many operations waiting on one client never trip Node's
 * MaxListenersExceededWarning.
 */
export function onNextClientEvent(client: RedisClient, event: 'end' | 'ready', callback: () => void): () => void {
  let byEvent = watchers.get(client);
  if (byEvent === undefined) watchers.set(client, (byEvent = new Map<string, Set<() => void>>()));
  let callbacks = byEvent.get(event);
  if (callbacks === undefined) {
    const set = new Set<() => void>();
    callbacks = set;
    byEvent.set(event, set);
    client.on(event, () => {
      const due = [...set];
      set.clear();
      for (const call of due) call();
    });
  }
  callbacks.add(callback);
  const current = callbacks;
  return () => current.delete(callback);
}

/**
 * Resolves once `client` is ready, or after `ms`, or when it closes for good: whichever comes
 * first (the caller then finds out which from `client.status`). A lazy client is connected.
 */
export function untilReady(client: RedisClient, ms: number): Promise<void> {
  if (client.status === 'ready' || client.status === 'end' || ms <= 0) return Promise.resolve();
  if (client.status === 'wait') client.connect().catch(() => undefined);
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      stopReady();
      stopEnd();
      resolve();
    };
    const timer = setTimeout(done, ms);
    const stopReady = onNextClientEvent(client, 'ready', done);
    const stopEnd = onNextClientEvent(client, 'end', done);
  });
}

/**
 * Rejects every command `client` holds with `error`: queued while offline, sent and awaiting a
 * reply, and (ioredis keeps these aside to resend after a reconnect, where `flushQueue` does not
 * reach them) those that were in flight when the connection dropped. With `closing`, replies in
 * flight on a live socket are abandoned too (the socket is closed next); otherwise a connection
 * in the middle of its handshake keeps the handshake's own commands.
 */
function rejectQueued(client: RedisClient, error: unknown, how: { closing: boolean }): void {
  if (isCluster(client)) {
    flushQueue(client, error, { sent: true });
    for (const node of client.nodes('all')) rejectQueuedOnNode(node, error, how);
    return;
  }
  rejectQueuedOnNode(client, error, how);
}

/**
 * Waits, at most `timeoutMs`, for the replies of every command already sent on `client` (each
 * node of a cluster): a PING queued behind them answers last. Unlike QUIT it does not mark the
 * connection as closing, so a connection that drops meanwhile keeps its unanswered commands for
 * `rejectQueued` rather than failing them with ioredis's own "Connection is closed.".
 */
export async function waitForReplies(client: RedisClient, timeoutMs: number): Promise<void> {
  const nodes = isCluster(client) ? client.nodes('all') : [client];
  const pings = nodes
    .filter((node) => node.status === 'ready')
    .map((node) =>
      node.ping().then(
        () => undefined,
        () => undefined,
      ),
    );
  if (pings.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(pings), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}

/**
 * Rejects with `error` everything `client` holds, including commands that auto-pipelining
 * still keeps back (it sends the next batch only when the running one has settled, that is,
 * after the rejections), repeating on the next turns until nothing is left, then closes the
 * client for good.
 */
export async function rejectAllAndClose(client: RedisClient, error: unknown): Promise<void> {
  for (let round = 0; round < 20; round++) {
    await new Promise((resolve) => setImmediate(resolve));
    rejectQueued(client, error, { closing: true });
    if (!holdsAnyCommand(client)) break;
  }
  closeForGood(client);
}

function holdsAnyCommand(client: RedisClient): boolean {
  return isCluster(client) ? [client, ...client.nodes('all')].some(holdsCommands) : holdsCommands(client);
}

/**
 * Closes `client` for good (after `rejectQueued`): `disconnect()`, then status 'end' even where
 * ioredis leaves it short of that. A Redis client disconnected between two reconnect attempts has
 * no socket to emit 'close', so it would stay 'reconnecting', and a Cluster whose nodes were all
 * gone already stays 'disconnecting': either would queue every later command for ever. At 'end',
 * ioredis refuses new commands at once ("Connection is closed.").
 */
function closeForGood(client: RedisClient): void {
  client.disconnect();
  const stuck = isCluster(client)
    ? client.status === 'disconnecting' && client.nodes('all').length === 0
    : client.status === 'reconnecting' || client.status === 'close';
  if (stuck) markEnded(client);
}

function rejectQueuedOnNode(redis: Redis, error: unknown, how: { closing: boolean }): void {
  // 'connect' is the handshake (AUTH, SELECT, INFO): its commands are in the command queue and
  // must not be failed, or the reconnect would fail with them. 'ready' has live replies coming.
  const mayFailSent = how.closing || (redis.status !== 'connect' && redis.status !== 'ready');
  flushQueue(redis, error, { sent: mayFailSent });
  rejectResendQueue(redis, error);
}
