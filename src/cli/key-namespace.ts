import { randomBytes } from 'node:crypto';
import { onBackgroundError } from '../concurrency/index.js';
import { exitCodeOf, signalGate } from '../concurrency/signals.js';
import type { RedisClient } from '../redis/connection.js';
import { deleteKeysUnder } from '../redis/delete-keys-under.js';

/**
 * The keys a command (the demo, the bench) writes to a user's Redis, all under one fresh
 * prefix such as `popoto-demo:3f9a0c1b:`, so that it can delete exactly what it created and
 * nothing else: at the end, and on Ctrl-C.
 */
export class KeyNamespace {
  /** The prefix of every key written: `<kind>:<random hex>:`. */
  readonly prefix: string;

  constructor(kind: string) {
    this.prefix = `${kind}:${randomBytes(4).toString('hex')}:`;
  }

  /** Deletes every key under the prefix (`deleteKeysUnder`); resolves with how many. */
  deleteAll(redis: RedisClient): Promise<number> {
    return deleteKeysUnder(this.prefix, { redis, count: 5000 });
  }
}

/** What `deleteOnInterrupt` needs to stop the writes and remove what they wrote. */
export interface InterruptCleanup {
  namespace: KeyNamespace;
  /** Closes every connection that writes under the namespace, so that no write lands after the cleanup. */
  stopWriting: () => void | Promise<void>;
  /** A connection to delete with, opened before the writers were closed (e.g. `redis.duplicate()`). */
  cleaner: () => RedisClient;
  /** Runs after the keys are gone, before exiting (stop a private server, say). */
  finally?: () => Promise<void>;
  /** Where the one-line notices go. Default: stderr. */
  log?: (line: string) => void;
}

/** The handlers installed by `deleteOnInterrupt`. */
export interface Interruption {
  /** True once SIGINT or SIGTERM arrived: the cleanup is running and will exit the process. */
  readonly interrupted: boolean;
  /**
   * For a `catch` around the interrupted work: rethrows `error`, unless a signal has arrived,
   * in which case the error is what closing the writers caused, and this waits (without
   * settling) for the cleanup to exit the process.
   */
  rethrowUnlessInterrupted(error: unknown): Promise<never>;
  /** Removes the handlers (the work is done and its keys deleted). */
  remove(): void;
}

/**
 * On SIGINT (Ctrl-C) or SIGTERM: closes the writers, deletes every key under the namespace
 * with a fresh connection, then exits with 130 (SIGINT) or 143 (SIGTERM). A second signal a
 * second or more after the first exits at once (saying keys may be left); one sooner is the
 * same interruption delivered twice and is ignored (`signalGate`). Failures of background work
 * cut short by the closed connections are expected then and not reported.
 */
export function deleteOnInterrupt(cleanup: InterruptCleanup): Interruption {
  const log = cleanup.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let interrupted = false;
  const gate = signalGate();
  const handler = (signal: NodeJS.Signals): void => {
    const code = exitCodeOf(signal);
    const meaning = gate();
    if (meaning === 'duplicate') return;
    if (meaning === 'again') {
      log(`second ${signal}: exiting now; keys may be left under ${cleanup.namespace.prefix}`);
      process.exit(code);
    }
    interrupted = true;
    onBackgroundError(() => undefined);
    log(`\ninterrupted: deleting the keys written under ${cleanup.namespace.prefix} ...`);
    void (async () => {
      const cleaner = cleanup.cleaner();
      try {
        await cleanup.stopWriting();
        const deleted = await cleanup.namespace.deleteAll(cleaner);
        log(`deleted ${deleted} key(s); nothing is left under ${cleanup.namespace.prefix}`);
      } catch (error) {
        log(`could not delete the keys under ${cleanup.namespace.prefix}: ${(error as Error).message}`);
      } finally {
        cleaner.disconnect();
        await cleanup.finally?.();
        process.exit(code);
      }
    })();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    get interrupted() {
      return interrupted;
    },
    rethrowUnlessInterrupted(error) {
      if (!interrupted) return Promise.reject(error);
      return new Promise<never>(() => undefined);
    },
    remove() {
      process.removeListener('SIGINT', handler);
      process.removeListener('SIGTERM', handler);
    },
  };
}
