import { isMainThread } from 'node:worker_threads';
import { onWorkerExit } from '../concurrency/worker-exit.js';
import { onNextClientEvent, rejectAllAndClose, waitForReplies, type AvailabilityGuard } from './availability.js';
import { assertOptionalClient, keyPrefixOf, type AnyRedisClient, type RedisClient } from './client-shape.js';
import type { EmbeddedRedis } from './embedded-server.js';
import { RedisAlreadyConnectedError, RedisClosedError, RedisNotConnectedError } from './errors.js';
import { normalizeConnectOptions, openConnection, type ConnectOptions } from './open-connection.js';

export { isCluster, type AnyRedisClient, type RedisClient } from './client-shape.js';
export type { ConnectOptions } from './open-connection.js';

type State =
  | { kind: 'idle' }
  | { kind: 'connecting'; promise: Promise<SharedRedisClient> }
  | {
      kind: 'open';
      client: RedisClient;
      embedded: EmbeddedRedis | undefined;
      target: string;
      guard: AvailabilityGuard;
    }
  | {
      kind: 'closed';
      /** Why, when not by `disconnect()`. */
      message?: string;
      /** Settling what a client closed elsewhere still held, and stopping its private server. */
      settling?: Promise<void>;
    };

/**
 * The client as `connect()` resolves it: an ioredis client that `await using` closes.
 * Disposing it is its connection's `disconnect()`, unless that connection has opened another since.
 */
export type SharedRedisClient = RedisClient & AsyncDisposable;

/**
 * One Redis connection and its life cycle: connect, hand out, close. The package's free
 * functions (`connect`, `getRedis`, `disconnect`, ...) are the methods of `defaultConnection`;
 * make another `RedisConnection` to talk to a second Redis in the same process, and hand it to
 * models (`defineModel(..., { redis: connection })`), a `Publisher`, a `Subscriber` or a bulk
 * operation (`{ redis: connection }`). Instances share nothing.
 */
export class RedisConnection {
  #state: State = { kind: 'idle' };

  /**
   * Opens the connection (ioredis, auto-pipelined; on a cluster only popoto-ts's own scripts
   * are, see `clusterRedirectOptions`) and resolves once it is ready.
   *
   * Where it connects, first match wins: `url` / `clusterNodes` given here; `REDIS_CLUSTER_NODES`
   * (a Cluster client); `REDIS_URL`; `defaultUrl` (127.0.0.1:6379) if it answers; else a private
   * redis-server on a free port when `redis-server` is on PATH (no persistence, stopped by
   * `disconnect()` and when the process ends); else a `NoRedisError` naming both fixes.
   *
   * Calling it again while connected returns the same client when called without arguments,
   * and throws with arguments (call `disconnect()` first). Errors never contain the password.
   */
  connect(urlOrOptions?: string | ConnectOptions): Promise<SharedRedisClient> {
    const state = this.#state;
    if (state.kind === 'open' || state.kind === 'connecting') {
      if (urlOrOptions === undefined)
        return state.kind === 'open' ? Promise.resolve(this.#disposable(state.client)) : state.promise;
      const where = state.kind === 'open' ? `connected to ${state.target}` : 'connecting';
      return Promise.reject(
        new RedisAlreadyConnectedError(`already ${where}; call disconnect() before connecting elsewhere`),
      );
    }
    let options: ConnectOptions;
    try {
      options = normalizeConnectOptions(urlOrOptions);
    } catch (error) {
      return Promise.reject(error);
    }
    const promise = openConnection(options).then(
      (opened) => {
        this.#state = { kind: 'open', ...opened };
        onNextClientEvent(opened.client, 'end', () => this.#closedElsewhere(opened.client));
        return this.#disposable(opened.client);
      },
      (error: unknown) => {
        this.#state = { kind: 'idle' };
        throw error;
      },
    );
    this.#state = { kind: 'connecting', promise };
    return promise;
  }

  /** Gives the client its `Symbol.asyncDispose` (once; it is the same object every time). */
  #disposable(client: RedisClient): SharedRedisClient {
    if (!(Symbol.asyncDispose in client)) {
      Object.defineProperty(client, Symbol.asyncDispose, {
        value: () =>
          this.#state.kind === 'closed' || this.openRedis() === client ? this.disconnect() : Promise.resolve(),
      });
    }
    return client as SharedRedisClient;
  }

  /**
   * The client opened by `connect()`. Throws when there is none: before `connect()` (call it
   * first), and after `disconnect()` or after the client itself was closed (its `quit()` or
   * `disconnect()`): a `RedisClosedError`, and `connect()` opens a new connection.
   */
  getRedis(): RedisClient {
    const state = this.#state;
    switch (state.kind) {
      case 'open':
        return state.client;
      case 'closed':
        throw new RedisClosedError(state.message);
      case 'connecting':
        throw new RedisNotConnectedError('the Redis connection is still opening: await connect() before getRedis()');
      default:
        throw new RedisNotConnectedError('not connected to Redis: call `await connect()` first');
    }
  }

  /**
   * The client bulk operations use: this connection's, opened with the defaults on first use.
   * After `disconnect()` it is a `RedisClosedError`.
   */
  useRedis(): Promise<RedisClient> {
    if (this.#state.kind === 'closed') return Promise.reject(new RedisClosedError(this.#state.message));
    return this.connect();
  }

  /** The client if the connection is open, without waiting (hot paths skip a promise hop with it). */
  openRedis(): RedisClient | undefined {
    return this.#state.kind === 'open' ? this.#state.client : undefined;
  }

  /** Where the connection goes (`redis://user:***@host:port/db`, or `cluster host:port,...`), password redacted; undefined unless open. */
  connectionTarget(): string | undefined {
    return this.#state.kind === 'open' ? this.#state.target : undefined;
  }

  /** True while the connection is open (connected, not yet closed). */
  isConnected(): boolean {
    return this.#state.kind === 'open';
  }

  /**
   * Closes the connection and stops a private server if one was started. Replies in flight
   * are waited for, at most `timeoutMs`; then every command still queued or unanswered
   * rejects with a `RedisClosedError`, so nothing is left pending, and the socket is closed. With
   * Redis unreachable it returns within `timeoutMs` (plus the time to stop a private server).
   */
  async disconnect(): Promise<void> {
    if (this.#state.kind === 'connecting') await this.#state.promise.catch(() => undefined);
    const state = this.#state;
    if (state.kind !== 'open') {
      if (state.kind === 'idle') return;
      const settling = state.kind === 'closed' ? state.settling : undefined;
      this.#state = { kind: 'closed' };
      await settling;
      return;
    }
    const { client, embedded, guard } = state;
    this.#state = { kind: 'closed' };
    guard.stop();
    try {
      await waitForReplies(client, guard.timeoutMs);
    } finally {
      await rejectAllAndClose(client, new RedisClosedError());
      await embedded?.stop();
    }
  }

  /**
   * The client was closed for good without `disconnect()`: its user called `quit()` or
   * `disconnect()` on it (getRedis() hands it out). It is then as after `disconnect()`: closed,
   * `getRedis()` and the bulk operations throw a `RedisClosedError`, `connect()` opens a new one;
   * whatever the client still held is settled with that error, and a private server is stopped.
   */
  #closedElsewhere(client: RedisClient): void {
    const state = this.#state;
    if (state.kind !== 'open' || state.client !== client) return;
    const { embedded, guard } = state;
    const message =
      'the Redis connection is closed (its client was closed with quit() or disconnect()); call connect() to open it again';
    guard.stop();
    const settling = (async () => {
      await rejectAllAndClose(client, new RedisClosedError(message));
      await embedded?.stop();
    })().catch(() => undefined);
    this.#state = { kind: 'closed', message, settling };
  }
}

/** The connection the free functions (`connect`, `getRedis`, `disconnect`, ...) and every default use. */
export const defaultConnection = new RedisConnection();

/** Where a client is accepted: a client, or the `RedisConnection` whose client to use. */
export type RedisSource = AnyRedisClient | RedisConnection;

/** Throws a TypeError unless `value` is undefined, a `RedisConnection` or an ioredis client (by shape). */
export function assertOptionalSource(value: unknown, name = 'redis'): asserts value is RedisSource | undefined {
  if (!(value instanceof RedisConnection)) assertOptionalClient(value, name);
}

/** `defaultConnection.connect(...)`: opens the shared connection (see `RedisConnection.connect`). */
export function connect(urlOrOptions?: string | ConnectOptions): Promise<SharedRedisClient> {
  return defaultConnection.connect(urlOrOptions);
}

/** `defaultConnection.getRedis()`: the shared client (see `RedisConnection.getRedis`). */
export function getRedis(): RedisClient {
  return defaultConnection.getRedis();
}

/**
 * The client to use for `source`: a client given (it must not be closed), the client of a
 * `RedisConnection` given, else the shared one; the last two are opened with the defaults on first
 * use. After `disconnect()` it is a `RedisClosedError`.
 */
export async function useRedis(source?: RedisSource): Promise<RedisClient> {
  if (source === undefined) return defaultConnection.useRedis();
  if (source instanceof RedisConnection) return source.useRedis();
  assertOptionalClient(source);
  keyPrefixOf(source);
  // 'end' only: ioredis passes through 'close' on its way to reconnecting.
  if (source.status === 'end') throw new RedisClosedError();
  return source;
}

/** `defaultConnection.openRedis()`: the shared client if it is open, without waiting. */
export function openRedis(): RedisClient | undefined {
  return defaultConnection.openRedis();
}

/** `defaultConnection.connectionTarget()`: where the shared connection goes, password redacted; undefined unless open. */
export function connectionTarget(): string | undefined {
  return defaultConnection.connectionTarget();
}

// A ThreadPool worker whose task module used the shared connection closes it before it exits,
// or its socket would keep the thread alive; the engine runs the hook without importing Redis.
if (!isMainThread) onWorkerExit(disconnect);

/** `defaultConnection.disconnect()`: closes the shared connection (see `RedisConnection.disconnect`). */
export function disconnect(): Promise<void> {
  return defaultConnection.disconnect();
}
