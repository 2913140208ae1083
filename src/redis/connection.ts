import { inspect } from 'node:util';
import { isMainThread } from 'node:worker_threads';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { onWorkerExit } from '../concurrency/worker-exit.js';
import { describeValue, messageOf } from '../utils/errors.js';
import {
  assertDuration,
  assertKnownKeys,
  assertOptionalBoolean,
  assertOptionalString,
  assertOptionsObject,
} from '../utils/validate.js';
import {
  availabilityOptions,
  DEFAULT_TIMEOUT_MS,
  guardAvailability,
  onNextClientEvent,
  rejectAllAndClose,
  waitForReplies,
  type AvailabilityGuard,
} from './availability.js';
import {
  assertOptionalClient,
  isCluster,
  keyPrefixOf,
  prefixIn,
  type AnyRedisClient,
  type RedisClient,
} from './client-shape.js';
import { embeddedNotice, resolveDefaultRedis } from './default-server.js';
import type { EmbeddedRedis } from './embedded-server.js';
import { RedisClosedError, RedisConnectionError } from './errors.js';
import { redactError, scrubText, secretsOf } from './secrets.js';
import { clusterRedirectOptions } from './redirects.js';
import { parseClusterNodes, parseRedisUrl, redactUrl } from './url.js';

export { isCluster, type AnyRedisClient, type RedisClient } from './client-shape.js';

/** Options of `connect`. Every field is optional; a bare string is taken as `url`. */
export interface ConnectOptions {
  /** `redis://[user[:password]@]host[:port][/db]` or `rediss://…` for TLS. Default: `REDIS_URL`. */
  url?: string;
  /** Redis Cluster seed nodes, `"host:port,host:port"` or an array. Default: `REDIS_CLUSTER_NODES`. */
  clusterNodes?: string | string[];
  /** Where to look when neither a URL nor cluster nodes are given. Default `redis://127.0.0.1:6379`. */
  defaultUrl?: string;
  /** When nothing answers at `defaultUrl`, start a private redis-server if one is on PATH. Default true. */
  embedded?: boolean;
  /**
   * Say nothing when a private redis-server is started. Default false: one line on stderr says
   * where it runs and that its data is gone when the process exits.
   */
  quiet?: boolean;
  /** Extra ioredis options (timeouts, `tls: { ca }`, ...), applied to every node. */
  redisOptions?: RedisOptions;
  /** Extra ioredis Cluster options. */
  clusterOptions?: ClusterOptions;
  /**
   * The longest a command waits on a Redis that cannot answer (down, restarting, stalled,
   * unreachable) before it fails with a `RedisUnavailableError`, in ms. Default 5000. Half of it
   * is allowed for noticing a silent connection, half for the server to come back: a restart
   * shorter than that is ridden out without an error. `disconnect()` also returns within it.
   */
  timeoutMs?: number;
}

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

let state: State = { kind: 'idle' };

/**
 * Opens the shared connection (ioredis, auto-pipelined; on a cluster only popoto-ts's own scripts
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
export function connect(urlOrOptions?: string | ConnectOptions): Promise<SharedRedisClient> {
  const hasArguments = urlOrOptions !== undefined;
  if (state.kind === 'open' || state.kind === 'connecting') {
    if (!hasArguments) return state.kind === 'open' ? Promise.resolve(disposable(state.client)) : state.promise;
    const where = state.kind === 'open' ? `connected to ${state.target}` : 'connecting';
    return Promise.reject(new Error(`already ${where}; call disconnect() before connecting elsewhere`));
  }
  let options: ConnectOptions;
  try {
    options = normalizeConnectOptions(urlOrOptions);
  } catch (error) {
    return Promise.reject(error);
  }
  const promise = open(options).then(
    (opened) => {
      state = { kind: 'open', ...opened };
      onNextClientEvent(opened.client, 'end', () => closedElsewhere(opened.client));
      return disposable(opened.client);
    },
    (error: unknown) => {
      state = { kind: 'idle' };
      throw error;
    },
  );
  state = { kind: 'connecting', promise };
  return promise;
}

/**
 * The shared client as `connect()` resolves it: an ioredis client that `await using` closes.
 * Disposing it is `disconnect()`, unless another connection has been opened since.
 */
export type SharedRedisClient = RedisClient & AsyncDisposable;

/** Gives the shared client its `Symbol.asyncDispose` (once; it is the same object every time). */
function disposable(client: RedisClient): SharedRedisClient {
  if (!(Symbol.asyncDispose in client)) {
    Object.defineProperty(client, Symbol.asyncDispose, {
      value: () => (state.kind === 'closed' || openRedis() === client ? disconnect() : Promise.resolve()),
    });
  }
  return client as SharedRedisClient;
}

/**
 * The shared connection opened by `connect()`. Throws when there is none: before `connect()`
 * (call it first), and after `disconnect()` or after the client itself was closed (its `quit()`
 * or `disconnect()`): a `RedisClosedError`, and `connect()` opens a new connection.
 */
export function getRedis(): RedisClient {
  switch (state.kind) {
    case 'open':
      return state.client;
    case 'closed':
      throw new RedisClosedError(state.message);
    case 'connecting':
      throw new Error('the Redis connection is still opening: await connect() before getRedis()');
    default:
      throw new Error('not connected to Redis: call `await connect()` first');
  }
}

/**
 * The connection bulk operations use: `client` if given (it must not be closed), else the shared
 * one, opened with the defaults on first use. After `disconnect()` it is a `RedisClosedError`.
 */
export async function useRedis(client?: AnyRedisClient): Promise<RedisClient> {
  if (client !== undefined) {
    assertOptionalClient(client);
    keyPrefixOf(client);
    // 'end' only: ioredis passes through 'close' on its way to reconnecting.
    if (client.status === 'end') throw new RedisClosedError();
    return client;
  }
  if (state.kind === 'closed') throw new RedisClosedError(state.message);
  return connect();
}

/** The shared connection if it is open, without waiting (hot paths skip a promise hop with it). */
export function openRedis(): RedisClient | undefined {
  return state.kind === 'open' ? state.client : undefined;
}

/** Where the shared connection goes (`redis://user:***@host:port/db`, or `cluster host:port,...`), password redacted; undefined unless open. */
export function connectionTarget(): string | undefined {
  return state.kind === 'open' ? state.target : undefined;
}

// A ThreadPool worker whose task module used the shared connection closes it before it exits,
// or its socket would keep the thread alive; the engine runs the hook without importing Redis.
if (!isMainThread) onWorkerExit(disconnect);

/**
 * Closes the shared connection and stops a private server if one was started. Replies in flight
 * are waited for, at most `timeoutMs`; then every command still queued or unanswered
 * rejects with a `RedisClosedError`, so nothing is left pending, and the socket is closed. With
 * Redis unreachable it returns within `timeoutMs` (plus the time to stop a private server).
 */
export async function disconnect(): Promise<void> {
  if (state.kind === 'connecting') await state.promise.catch(() => undefined);
  if (state.kind !== 'open') {
    if (state.kind === 'idle') return;
    const settling = state.kind === 'closed' ? state.settling : undefined;
    state = { kind: 'closed' };
    await settling;
    return;
  }
  const { client, embedded, guard } = state;
  state = { kind: 'closed' };
  guard.stop();
  try {
    await waitForReplies(client, guard.timeoutMs);
  } finally {
    await rejectAllAndClose(client, new RedisClosedError());
    await embedded?.stop();
  }
}

/**
 * The shared client was closed for good without `disconnect()`: its user called `quit()` or
 * `disconnect()` on it (getRedis() hands it out). It is then as after `disconnect()`: closed,
 * `getRedis()` and the bulk operations throw a `RedisClosedError`, `connect()` opens a new one;
 * whatever the client still held is settled with that error, and a private server is stopped.
 */
function closedElsewhere(client: RedisClient): void {
  if (state.kind !== 'open' || state.client !== client) return;
  const { embedded, guard } = state;
  const message =
    'the Redis connection is closed (its client was closed with quit() or disconnect()); call connect() to open it again';
  guard.stop();
  const settling = (async () => {
    await rejectAllAndClose(client, new RedisClosedError(message));
    await embedded?.stop();
  })().catch(() => undefined);
  state = { kind: 'closed', message, settling };
}

function normalizeConnectOptions(urlOrOptions: string | ConnectOptions | undefined): ConnectOptions {
  if (typeof urlOrOptions === 'string') return { url: urlOrOptions };
  assertOptionsObject(urlOrOptions, 'options');
  assertKnownKeys(
    urlOrOptions,
    ['url', 'clusterNodes', 'defaultUrl', 'embedded', 'quiet', 'redisOptions', 'clusterOptions', 'timeoutMs'],
    'options',
  );
  const options = urlOrOptions ?? {};
  assertOptionalString(options.url, 'url');
  assertOptionalString(options.defaultUrl, 'defaultUrl');
  assertOptionalBoolean(options.embedded, 'embedded');
  assertOptionalBoolean(options.quiet, 'quiet');
  assertOptionsObject(options.redisOptions, 'redisOptions');
  assertOptionsObject(options.clusterOptions, 'clusterOptions');
  if (options.timeoutMs !== undefined) assertDuration(options.timeoutMs, 'timeoutMs', 2);
  // A keyPrefix popoto-ts cannot place keys under is refused here, before connecting (prefixIn throws).
  for (const where of [options.redisOptions, options.clusterOptions, options.clusterOptions?.redisOptions])
    prefixIn(where);
  return options;
}

async function open(options: ConnectOptions): Promise<{
  client: RedisClient;
  embedded: EmbeddedRedis | undefined;
  target: string;
  guard: AvailabilityGuard;
}> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const bounded = availabilityOptions(timeoutMs);
  const clusterNodes =
    options.clusterNodes ?? (options.url === undefined ? nonEmpty(process.env.REDIS_CLUSTER_NODES) : undefined);
  if (clusterNodes !== undefined) {
    const { nodes, redisOptions } = naming(options.clusterNodes === undefined ? 'REDIS_CLUSTER_NODES' : undefined, () =>
      parseClusterNodes(clusterNodes),
    );
    const target = `cluster ${nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
    refuseClusterDatabase(target, redisOptions.db, options.redisOptions?.db, options.clusterOptions?.redisOptions?.db);
    const client = new Cluster(nodes, {
      ...clusterRedirectOptions(timeoutMs),
      lazyConnect: true,
      ...options.clusterOptions,
      redisOptions: { ...bounded, ...redisOptions, ...options.redisOptions, ...options.clusterOptions?.redisOptions },
    });
    await ready(client, target, secretsOf(client));
    const [master] = client.nodes('master');
    if (master !== undefined) await warnOfUnneededPassword(master, target);
    return { client, embedded: undefined, target, guard: guardAvailability(client, timeoutMs, target) };
  }

  const fromEnvironment = options.url === undefined ? nonEmpty(process.env.REDIS_URL) : undefined;
  let url = options.url ?? fromEnvironment;
  let embedded: EmbeddedRedis | undefined;
  if (url === undefined) {
    const resolved = await resolveDefaultRedis({ defaultUrl: options.defaultUrl, embedded: options.embedded });
    url = resolved.url;
    embedded = resolved.embedded;
    if (embedded !== undefined && options.quiet !== true) process.stderr.write(`${embeddedNotice(resolved)}\n`);
  }
  const target = redactUrl(url);
  const chosen = url;
  const fromUrl = naming(fromEnvironment === undefined ? undefined : 'REDIS_URL', () => parseRedisUrl(chosen));
  const client = new Redis({
    enableAutoPipelining: true,
    ...bounded,
    ...fromUrl,
    ...options.redisOptions,
    lazyConnect: true,
  });
  try {
    const secrets = secretsOf(client);
    await ready(client, target, secrets);
    await confirmDatabase(client, target, secrets);
    await warnOfUnneededPassword(client, target);
    const guard = guardAvailability(client, timeoutMs, target);
    watchDatabase(client, target, secrets, guard);
    return { client, embedded, target, guard };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Connects, then makes the client safe to print: `util.inspect` shows the redacted target,
 * not ioredis's options (which hold the password). On failure the client is shut down and
 * the error is rebuilt from its message alone, since ioredis attaches the failed command, whose
 * arguments include the password of an AUTH.
 */
async function ready<C extends RedisClient>(client: C, target: string, secrets: string[]): Promise<C> {
  let lastError: unknown;
  // Without a listener ioredis prints every connection error to the console, unredacted. The
  // listener also scrubs each error in place before any command sees it: when a reconnect's AUTH
  // fails, ioredis rejects every queued command with that error, the password in its args.
  client.on('error', (error: unknown) => {
    lastError = redactError(error, secrets);
  });
  Object.defineProperty(client, inspect.custom, {
    value: () =>
      `${isCluster(client) ? 'Cluster' : 'Redis'} { target: ${JSON.stringify(target)}, status: ${JSON.stringify(client.status)} }`,
  });
  try {
    await client.connect();
    return client;
  } catch (error) {
    client.disconnect();
    // The rejection is often just "Connection is closed."; the cause (WRONGPASS, a TLS
    // certificate error, ECONNREFUSED) arrived on the 'error' event.
    const message = scrubText(messageOf(lastError ?? error), secrets);
    throw new RedisConnectionError(`could not connect to Redis at ${target}: ${message}${tlsHint(target, message)}`);
  }
}

/**
 * A TLS client talking to a plain Redis fails without naming TLS: the server waits for a command
 * and the handshake times out (ETIMEDOUT), or the server drops the connection (ECONNRESET, "socket
 * disconnected before secure TLS connection was established"). For `rediss://` those get a hint.
 */
function tlsHint(target: string, message: string): string {
  if (!target.startsWith('rediss://')) return '';
  if (!/ETIMEDOUT|ECONNRESET|EPROTO|before secure TLS connection|wrong version number/i.test(message)) return '';
  return ' (rediss:// speaks TLS: if this server does not, use redis://)';
}

/**
 * A password sent to a server that asks for none is accepted without a word (its default user
 * takes any password), so a wrong server, or a password that protects nothing, would go unnoticed.
 * Repeating the AUTH tells: a server without a password refuses it. One stderr line, the target
 * redacted; the password itself appears nowhere.
 */
async function warnOfUnneededPassword(client: Redis, target: string): Promise<void> {
  const { username, password } = client.options;
  if (!password || (username && username !== 'default')) return;
  try {
    await client.call('AUTH', password);
  } catch (error) {
    if (!/no password is set|without any password configured/i.test(messageOf(error))) return;
    process.stderr.write(
      `popoto-ts: warning: a password was given for ${target}, but that server asks for none ` +
        '(its default user has no password): is it the server you meant?\n',
    );
  }
}

/**
 * Runs `parse`; when its input came from the environment (`variable`), a refusal says so, since
 * the caller never passed the value that is wrong.
 */
function naming<T>(variable: string | undefined, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (variable === undefined || !(error instanceof TypeError || error instanceof RangeError)) throw error;
    const Type = error instanceof TypeError ? TypeError : RangeError;
    throw new Type(`${variable} is not usable: ${error.message}`);
  }
}

/**
 * A Redis Cluster has database 0 only; a database index given for one would be silently
 * ignored by ioredis, and every write would land in database 0. Refused before connecting.
 */
function refuseClusterDatabase(target: string, ...indexes: unknown[]): void {
  const db = indexes.find((index) => index !== undefined && index !== 0);
  if (db === undefined) return;
  throw new RangeError(
    `a Redis Cluster has only database 0, got database ${describeValue(db)} for ${target}: ` +
      'remove the /<db> from the cluster URL (or the db option)',
  );
}

/**
 * On every reconnect ioredis selects `options.db` again, and a refusal (an ACL that no longer
 * allows SELECT, a server restarted with fewer databases) is only an 'error' event: the
 * connection would turn ready on database 0 and send every queued command there. So the
 * refusal closes that connection before it is ready (ioredis keeps reconnecting), and until a
 * reconnect is accepted every command fails at once with a RedisConnectionError naming the index.
 */
function watchDatabase(client: Redis, target: string, secrets: string[], guard: AvailabilityGuard): void {
  const db = client.options.db;
  if (db === undefined || db === 0) return;
  client.on('error', (error: unknown) => {
    const command = (error as { command?: { name?: unknown } } | null)?.command;
    if (command?.name !== 'select' || client.status === 'ready') return;
    client.disconnect(true);
    guard.fail(
      new RedisConnectionError(
        `Redis at ${target} refused database ${db} on a reconnect (${scrubText(messageOf(error), secrets)}); ` +
          'commands fail until it accepts it again, and none is sent to another database',
      ),
    );
  });
}

/**
 * ioredis selects the database of `options.db` while connecting, but a refused SELECT (an
 * index beyond the server's `databases`, SELECT denied by an ACL, a cluster node) only
 * becomes an 'error' event: the connection still turns ready, on database 0, and every write
 * would land there. So the index is selected once more, awaited, before the client is handed
 * out; if the server refuses it, the connection is closed and nothing has been written.
 */
async function confirmDatabase(client: Redis, target: string, secrets: string[]): Promise<void> {
  const db = client.options.db;
  if (db === undefined || db === 0) return;
  try {
    await client.select(db);
  } catch (error) {
    client.disconnect();
    throw new RedisConnectionError(
      `could not connect to Redis at ${target}: the server refused database ${db} ` +
        `(${scrubText(messageOf(error), secrets)}); nothing was written`,
    );
  }
}
