import { inspect } from 'node:util';
import type { ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { describeValue, messageOf } from '../utils/errors.js';
import {
  assertDuration,
  assertKnownKeys,
  assertOptionalBoolean,
  assertOptionalString,
  assertOptionsObject,
  optionNames,
} from '../utils/validate.js';
import { availabilityOptions, DEFAULT_TIMEOUT_MS, guardAvailability, type AvailabilityGuard } from './availability.js';
import { isCluster, prefixIn, type RedisClient } from './client-shape.js';
import { embeddedNotice, resolveDefaultRedis } from './default-server.js';
import type { EmbeddedRedis } from './embedded-server.js';
import { RedisConnectionError } from './errors.js';
import { ioredis } from './ioredis-loader.js';
import { saysNoPasswordSet } from './replies.js';
import { redactError, scrubText, secretsOf } from './secrets.js';
import { clusterRedirectOptions } from './redirects.js';
import { parseClusterNodes, parseRedisUrl, redactUrl } from './url.js';

// Opening one connection: where it goes, how it is made safe to print, and the checks done before
// it is handed out. Stateless: a `RedisConnection` keeps what this returns.

/** Options of `connect` (and of `RedisConnection.connect`). Every field is optional; a bare string is taken as `url`. */
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

/** The option names of `connect`, from the declaration above (the compiler keeps them in step). */
const CONNECT_OPTIONS = optionNames<ConnectOptions>({
  url: true,
  clusterNodes: true,
  defaultUrl: true,
  embedded: true,
  quiet: true,
  redisOptions: true,
  clusterOptions: true,
  timeoutMs: true,
});

/** An open connection, as `openConnection` resolves it. */
export interface OpenedConnection {
  client: RedisClient;
  /** The private redis-server started for it, if one was. */
  embedded: EmbeddedRedis | undefined;
  /** Where it goes, password redacted. */
  target: string;
  guard: AvailabilityGuard;
}

/** Checks `connect`'s argument (TypeError/RangeError naming the option); a string is the `url`. */
export function normalizeConnectOptions(urlOrOptions: string | ConnectOptions | undefined): ConnectOptions {
  if (typeof urlOrOptions === 'string') return { url: urlOrOptions };
  assertOptionsObject(urlOrOptions, 'options');
  assertKnownKeys(urlOrOptions, CONNECT_OPTIONS, 'options');
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

/** Opens a connection as `connect` documents it, and resolves once it is ready. */
export async function openConnection(options: ConnectOptions): Promise<OpenedConnection> {
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
    const client = new (ioredis().Cluster)(nodes, {
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
  const client = new (ioredis().Redis)({
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
    const cause = lastError ?? error;
    const message = scrubText(messageOf(cause), secrets);
    throw new RedisConnectionError(`could not connect to Redis at ${target}: ${message}${tlsHint(target, cause)}`);
  }
}

/** The error codes (Node's, and ioredis's connect timeout) of a TLS client talking to a plain server. */
const TLS_MISMATCH_CODES = new Set(['ETIMEDOUT', 'ECONNRESET', 'EPROTO', 'ERR_SSL_WRONG_VERSION_NUMBER']);

/**
 * A TLS client talking to a plain Redis fails without naming TLS: the server waits for a command
 * and the handshake times out (ETIMEDOUT), or the server drops the connection (ECONNRESET, "socket
 * disconnected before secure TLS connection was established"). For `rediss://` those get a hint.
 */
function tlsHint(target: string, error: unknown): string {
  if (!target.startsWith('rediss://')) return '';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !TLS_MISMATCH_CODES.has(code)) return '';
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
    if (!saysNoPasswordSet(error)) return;
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
