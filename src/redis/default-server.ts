import { PopotoError, type PopotoErrorCode } from '../utils/errors.js';
import { findOnPath, startEmbeddedRedis, type EmbeddedRedis } from './embedded-server.js';
import { redisAnswers } from './probe.js';
import { parseRedisUrl } from './url.js';

/** Where the default Redis URL came from. */
export interface ResolvedRedis {
  url: string;
  /** Set when a private redis-server was started for this process: stop it when done. */
  embedded?: EmbeddedRedis;
  /** The address found silent before the private server was started. */
  defaultUrl?: string;
}

/** Raised when no Redis can be found or started; the message names both fixes. */
export class NoRedisError extends PopotoError {
  override readonly name: string = 'NoRedisError';
  override readonly code: PopotoErrorCode = 'ERR_POPOTO_NO_REDIS';
}

/** Options of `resolveDefaultRedis`. */
export interface DefaultRedisOptions {
  /** Checked for a server when REDIS_URL is unset. Default `redis://127.0.0.1:6379`. */
  defaultUrl?: string;
  /** Start a private redis-server when nothing answers there. Default true. */
  embedded?: boolean;
  /** The environment to read REDIS_URL from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

const DEFAULT_URL = 'redis://127.0.0.1:6379';

/**
 * The Redis to use when the caller names none: `REDIS_URL` if set; else 127.0.0.1:6379 if it
 * answers; else a private redis-server on a free port if the binary is on PATH (no
 * persistence; stopped with `embedded.stop()` or when this process ends); else a
 * NoRedisError that says how to fix it. Answers within about a second when nothing is there, and
 * within 3 s when a private server cannot start (the reason in one line).
 */
export async function resolveDefaultRedis(options: DefaultRedisOptions = {}): Promise<ResolvedRedis> {
  const { defaultUrl = DEFAULT_URL, embedded: mayStart = true, env = process.env } = options;
  const fromEnv = env.REDIS_URL;
  if (fromEnv !== undefined && fromEnv !== '') return { url: fromEnv };
  const { host, port } = parseRedisUrl(defaultUrl);
  if (await redisAnswers(host, port)) return { url: defaultUrl };
  if (!mayStart || findOnPath('redis-server', env.PATH) === undefined) {
    throw new NoRedisError(
      `No Redis answers at ${host}:${port}${mayStart ? ' and redis-server is not on PATH' : ''}. ` +
        'Either set REDIS_URL (for example REDIS_URL=redis://host:6379) or install redis-server ' +
        '(for example apt-get install redis-server) so that popoto-ts can start a private one.',
    );
  }
  let embedded: EmbeddedRedis;
  try {
    // The probe above took at most 500 ms: with this, a failed start is reported within 3 s.
    embedded = await startEmbeddedRedis({ readyTimeoutMs: 2500 });
  } catch (error) {
    throw new NoRedisError(
      `No Redis answers at ${host}:${port}, and a private one could not be started: ${(error as Error).message}. ` +
        'Set REDIS_URL (for example REDIS_URL=redis://host:6379) to use another Redis.',
      { cause: error },
    );
  }
  return { url: embedded.url, embedded, defaultUrl };
}

/**
 * The one stderr line `connect()` prints when it started a private server: where it runs, and
 * that its data goes with it, since a script that meant to use a Redis it keeps would otherwise
 * never know.
 */
export function embeddedNotice(resolved: ResolvedRedis): string {
  const { host, port } = parseRedisUrl(resolved.defaultUrl ?? DEFAULT_URL);
  return (
    `popoto-ts: nothing answers at ${host}:${port}, so this process uses a private redis-server at ` +
    `${new URL(resolved.url).host}; its data is gone when the process exits ` +
    '(set REDIS_URL to use a Redis that keeps it; connect({ quiet: true }) hides this line)'
  );
}
