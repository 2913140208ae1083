import { isIP } from 'node:net';
import type { RedisOptions } from 'ioredis';
import { describeValue } from '../utils/errors.js';
import { redactCredentials } from '../utils/redact.js';

/** Host and port of one server. */
export interface HostPort {
  host: string;
  port: number;
}

/**
 * Turns a `redis://` or `rediss://` URL into ioredis options: user and password (ACL),
 * database index from the path (`/3`), TLS for `rediss://`. Done here rather than by ioredis
 * so that errors about a bad URL never echo the password.
 */
export function parseRedisUrl(url: string): RedisOptions & HostPort {
  if (typeof url !== 'string' || url === '') {
    throw new TypeError(`url must be a non-empty redis:// or rediss:// URL, got ${describeValue(url)}`);
  }
  const meant = schemeMissing(url);
  if (meant !== undefined) throw new TypeError(`url must use redis:// or rediss://, ${meant}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not echoed, even redacted: where parsing failed, we cannot tell the password from the rest.
    throw new TypeError(
      `url must be a redis:// or rediss:// URL; the one given could not be parsed (not shown: it may hold a password). ` +
        `Percent-encode '/', '?', '#' and '@' in a user name or password.`,
    );
  }
  // 'redis:user:pw@host' parses as a URL with no host (everything else is its path): refused,
  // rather than connecting to the default host with the credentials read as a database index.
  if ((parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') || !/^rediss?:\/\//i.test(url)) {
    throw new TypeError(`url must use redis:// or rediss://, got ${JSON.stringify(redactUrl(url))}`);
  }
  // popoto-ts reads no URL parameters: one would be ignored without a word (`?tls=1` leaving the
  // connection in plain text), so each is refused by name (never by value: it may be a secret).
  const parameters = [...new Set(parsed.searchParams.keys())];
  if (parameters.length > 0) {
    throw new TypeError(
      `url takes no parameters, got ${parameters.map((name) => JSON.stringify(name)).join(', ')}: ` +
        'use rediss:// for TLS, /<db> for the database, and connect() options (redisOptions) for the rest',
    );
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  const options: RedisOptions & HostPort = { host, port };
  try {
    if (parsed.username !== '') options.username = decodeURIComponent(parsed.username);
    if (parsed.password !== '') options.password = decodeURIComponent(parsed.password);
  } catch {
    throw new TypeError('url holds a user name or password with an invalid percent-encoding (not shown)');
  }
  const path = parsed.pathname.replace(/^\//, '');
  if (path !== '') {
    const db = Number(path);
    if (!Number.isInteger(db) || db < 0) {
      throw new RangeError(
        `the database index in the URL must be an integer >= 0, got ${JSON.stringify(redactUrl(path))}`,
      );
    }
    options.db = db;
  }
  // SNI takes host names only (RFC 6066); for an IP address the certificate's IP SAN is checked.
  if (parsed.protocol === 'rediss:') options.tls = isIP(host) === 0 ? { servername: host } : {};
  return options;
}

/** `host:port` or `[::1]:port`, optionally with `/db`: safe to echo (a bare word may be a password). */
const HOST_LIKE = /^(?:\[[0-9a-f:.]+\]|[a-z0-9_.-]+):\d{1,5}(?:\/\d+)?$/i;

/**
 * For a URL typed without `redis://` (`127.0.0.1:6379`, `app:pw@host`, `redis:app:pw@host`): the
 * rest of the message, saying what it most likely meant, password hidden; undefined when the URL
 * has a `scheme://`. Text that is neither host-like nor has user info is not echoed at all (a bare
 * password must not end up in a log).
 */
function schemeMissing(url: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return undefined;
  const rest = url.replace(/^rediss?:(?!\/\/)/i, '');
  const scheme = /^rediss:/i.test(url) ? 'rediss://' : 'redis://';
  if (!rest.includes('@') && !HOST_LIKE.test(rest)) {
    return `got a value without it (not shown: it may hold a password); did you mean to put ${scheme} in front?`;
  }
  return `got ${JSON.stringify(redactUrl(url))}; did you mean ${JSON.stringify(scheme + redactUrl(rest))}?`;
}

/**
 * `redis://user:secret@host` → `redis://user:***@host`, for messages and logs; the same for a
 * URL missing its scheme or mistyped (`user:secret@host`, `redis:user:secret@host`). Everything up
 * to the last '@' counts as user info, so a password holding '@', '/' or '#' (even unencoded)
 * never shows; a Redis URL has no '@' after its host.
 */
export function redactUrl(url: string): string {
  if (typeof url !== 'string') throw new TypeError(`url must be a string, got ${describeValue(url)}`);
  return redactCredentials(url);
}

/**
 * Parses `REDIS_CLUSTER_NODES`-style lists: `host:port,host:port` (or an array of them).
 * Entries may also be redis:// URLs; the credentials and TLS of the first URL apply to all nodes.
 */
export function parseClusterNodes(nodes: string | string[]): { nodes: HostPort[]; redisOptions: RedisOptions } {
  if (typeof nodes !== 'string' && !Array.isArray(nodes)) {
    throw new TypeError(
      `clusterNodes must be a "host:port,host:port" string or an array of them, got ${describeValue(nodes)}`,
    );
  }
  const entries = (Array.isArray(nodes) ? nodes : nodes.split(','))
    .map((entry) => (typeof entry === 'string' ? entry.trim() : entry))
    .filter((entry) => entry !== '');
  if (entries.length === 0) {
    throw new RangeError(`clusterNodes must list at least one host:port, got ${describeValue(nodes)}`);
  }
  let redisOptions: RedisOptions = {};
  let credentialsTaken = false;
  const parsedNodes = entries.map((entry, i) => {
    if (typeof entry !== 'string') {
      throw new TypeError(`clusterNodes[${i}] must be a "host:port" string, got ${describeValue(entry)}`);
    }
    if (/^rediss?:\/\//i.test(entry)) {
      const { host, port, ...rest } = parseRedisUrl(entry);
      if (!credentialsTaken) {
        redisOptions = rest;
        credentialsTaken = true;
      }
      return { host, port };
    }
    // A host name, an IPv4 address or a bracketed IPv6 address: anything else (a password
    // written without the redis:// in front, say) is refused here rather than looked up in DNS.
    const match = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9_.-]+)):(\d{1,5})$/i.exec(entry);
    const port = Number(match?.[3]);
    if (match === null || port < 1 || port > 65535) {
      throw new TypeError(
        `clusterNodes[${i}] must be "host:port" or a redis:// URL, got ${JSON.stringify(redactUrl(entry))}`,
      );
    }
    return { host: (match[1] ?? match[2])!, port };
  });
  return { nodes: parsedNodes, redisOptions };
}
