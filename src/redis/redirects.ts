import type { Cluster, ClusterOptions } from 'ioredis';
import { stoppableDelay } from '../concurrency/delay.js';
import { backoffMs } from '../concurrency/task-policy.js';
import type { RetryPolicy } from '../concurrency/run-options.js';
import { onNextClientEvent, timeoutOf } from './availability.js';
import { isCluster, type RedisClient } from './client-shape.js';
import { refreshSlots } from './cluster-nodes.js';
import { ioredisCommands } from './ioredis-loader.js';
import { RedisUnavailableError } from './errors.js';
import { abortedByClose, isRegroupedPipeline, replyOf, scriptRefusedBySlot } from './replies.js';

// The one retry rule for Redis Cluster's "not here, not now" answers, whatever sends the command:
// the bulk operations (runBulk), single commands popoto-ts sends itself (model scripts, the read
// batcher, Publisher.publish: `followRedirects`), and commands a user sends through the shared
// connection (`getRedis()`: ioredis applies it, configured by `clusterRedirectOptions`).
// MOVED, ASK, TRYAGAIN and CLUSTERDOWN are answered before the command runs, so sending it again
// can never apply it twice: they are retried with backoff until the client's `timeoutMs`.

/** A redirect Redis Cluster answers instead of running the command: not a failure, the command goes again. */
export type Redirect = { kind: 'moved' } | { kind: 'ask'; address: string } | { kind: 'wait' };

/**
 * The redirect `error` is, if it is one: MOVED, READONLY and ASK (the slot lives elsewhere), TRYAGAIN (a
 * multi-key command during a slot migration) and CLUSTERDOWN (a failover under way), also when
 * ioredis gave up following them itself ("Too many Cluster redirections"); and an auto-pipeline
 * ioredis refused because the slot map changed under it (nothing was sent: it waits like CLUSTERDOWN);
 * and a script refused as a whole because its slot is served elsewhere or the cluster is down.
 */
export function redirectOf(error: unknown): Redirect | undefined {
  if (isRegroupedPipeline(error)) return { kind: 'wait' };
  // The same answers for a script on one slot's keys given in ARGV (bulk publishMany's), before it ran.
  switch (scriptRefusedBySlot(error)) {
    case 'elsewhere':
      return { kind: 'moved' };
    case 'down':
      return { kind: 'wait' };
  }
  const reply = replyOf(error);
  switch (reply?.code) {
    // READONLY: a master just demoted still took the command for its old slots (a write on a
    // replica is refused before anything is written); ioredis does not refresh its slot map on it.
    case 'MOVED':
    case 'READONLY':
      return { kind: 'moved' };
    case 'ASK':
      return { kind: 'ask', address: reply.words[1] ?? '' };
    case 'TRYAGAIN':
    case 'CLUSTERDOWN':
      return { kind: 'wait' };
    default:
      return undefined;
  }
}

/**
 * The backoff between redirect rounds: from 50 ms (ioredis's own pause is 100 ms), doubling, with
 * jitter, to at most 1 s, so that a failover of a few seconds is asked about a dozen times, not a hundred.
 */
export const REDIRECT_BACKOFF: RetryPolicy = {
  retries: Infinity,
  minDelayMs: 50,
  maxDelayMs: 1000,
  retryIf: undefined,
};

/** The wait before redirect round `round` (0 for the first retry). */
export function redirectDelayMs(round: number): number {
  return backoffMs(REDIRECT_BACKOFF, round);
}

/**
 * Waits `ms`; resolves false if `signal` aborted (before or during the wait), true otherwise. A
 * client that closes for good ends the wait early: what follows fails at once.
 */
export async function pauseOn(ms: number, client: RedisClient, signal?: AbortSignal): Promise<boolean> {
  await stoppableDelay(ms, { signal, stopWhen: (stop) => onNextClientEvent(client, 'end', stop) });
  return signal?.aborted !== true;
}

/**
 * What a command redirected for too long fails with: the cluster could not say where it belongs
 * (the last redirect is the cause), which is an unavailability, not a MOVED for the caller to handle.
 */
export function redirectedTooLong(last: unknown, elapsedMs: number, timeoutMs: number): RedisUnavailableError {
  const error = new RedisUnavailableError(
    `the Redis Cluster kept redirecting this command for ${elapsedMs} ms (last answer: ${
      last instanceof Error ? last.message : String(last)
    }); it was not run`,
    timeoutMs,
  );
  return Object.assign(error, { cause: last });
}

/** How `followRedirects` treats its command. */
export interface FollowOptions {
  /**
   * The command leaves the same state however often it runs (a model save writes the whole
   * record and its index entries): it is also sent again when ioredis aborted it because its
   * connection closed after part of its auto-pipeline was answered (a `CLIENT KILL`, a master
   * killed), which ioredis cannot resend itself, not knowing whether the command ran. (A
   * command sent on its own, not auto-pipelined, ioredis sends again itself after a reconnect.)
   */
  repeatable?: boolean;
}

/**
 * Sends a single command with `send` and, on a cluster, sends it again while Redis answers with
 * a redirect (see `redirectOf`), with `REDIRECT_BACKOFF` pauses, until the client's `timeoutMs`;
 * past that it fails with a RedisUnavailableError whose cause is the last answer. Any other
 * error is the caller's, at once. An answer still missing after `timeoutMs` (every node of the
 * shard stalled) fails it the same way. `send` routes the command itself (ioredis follows the
 * slot map it refreshes on MOVED); on a single Redis this is `send()` and nothing more.
 */
export function followRedirects<T>(client: RedisClient, send: () => Promise<T>, options?: FollowOptions): Promise<T> {
  // Not async, and nothing extra until a redirect: this wraps every model save and read.
  if (!isCluster(client)) return send();
  const started = Date.now();
  const repeatable = options?.repeatable === true;
  return bounded(
    client,
    started,
    send().catch((error: unknown) => keepFollowing(client, send, { first: error, started, repeatable })),
  );
}

/** A call `followRedirects` is waiting on: when it started, and how to fail it. */
interface Watched {
  started: number;
  fail(error: Error): void;
}
const watchedCalls = new WeakMap<object, { calls: Set<Watched>; timer: NodeJS.Timeout }>();

/**
 * Settles `pending` or, once `timeoutMs` has passed since `started`, rejects with a
 * RedisUnavailableError: a shard whose master and replicas all stall leaves ioredis resending to
 * it (each try waits out a socket timeout), so the time bound is kept here, by one unref'd
 * watchdog per client rather than a timer per call.
 */
function bounded<T>(client: RedisClient, started: number, pending: Promise<T>): Promise<T> {
  const budget = timeoutOf(client);
  return new Promise<T>((resolve, reject) => {
    let entry = watchedCalls.get(client);
    if (entry === undefined) {
      const calls = new Set<Watched>();
      const timer = setInterval(() => {
        const now = Date.now();
        for (const call of calls) {
          if (now - call.started < budget) continue;
          calls.delete(call);
          call.fail(
            new RedisUnavailableError(
              `the Redis Cluster did not answer within timeoutMs (${budget} ms); the command was not confirmed ` +
                '(it may still run if it reached a server)',
              budget,
            ),
          );
        }
        if (calls.size === 0) {
          clearInterval(timer);
          watchedCalls.delete(client);
        }
      }, 100).unref();
      watchedCalls.set(client, (entry = { calls, timer }));
    }
    const call: Watched = { started, fail: reject };
    entry.calls.add(call);
    pending.then(
      (value) => {
        entry.calls.delete(call);
        resolve(value);
      },
      (error: unknown) => {
        entry.calls.delete(call);
        reject(error);
      },
    );
  });
}

async function keepFollowing<T>(
  client: RedisClient,
  send: () => Promise<T>,
  { first, started, repeatable }: { first: unknown; started: number; repeatable: boolean },
): Promise<T> {
  const budget = timeoutOf(client);
  let error = first;
  for (let round = 0; ; round++) {
    if (redirectOf(error) === undefined && !(repeatable && abortedByClose(error))) throw error;
    const elapsed = Date.now() - started;
    const wait = redirectDelayMs(round);
    if (elapsed + wait > budget) {
      // An aborted command may have run: it fails as itself, not as "not run".
      throw abortedByClose(error) ? error : redirectedTooLong(error, elapsed, budget);
    }
    // ioredis refreshes its slot map on a MOVED it follows itself, but not on one it gave up on,
    // nor on READONLY: the next send would go to the same node.
    if (redirectOf(error)?.kind === 'moved') void refreshSlots(client as Cluster, budget - elapsed);
    // A client closed for good meanwhile ends the pause: the next send then fails as closed.
    await pauseOn(wait, client);
    try {
      return await send();
    } catch (next) {
      error = next;
    }
  }
}

/** The commands popoto-ts sends through `followRedirects` on the shared client: its scripts. */
const FOLLOWED_COMMANDS = new Set(['evalsha', 'eval']);

/**
 * Every other command: not auto-pipelined on the shared Cluster client. An auto-pipeline that
 * meets a failover fails as a whole (ioredis refuses it when the slot map changed under it, and
 * does not resend a half-answered one), which `followRedirects` rides out for popoto-ts's own
 * scripts but nothing can for a command a user sends through `getRedis()`. Measured
 * (bench/soak/auto-pipelining.ts): without auto-pipelining a SET through the client runs at 0.57x,
 * a model save at 0.76x, so it is kept for the scripts.
 */
let notAutoPipelinedList: string[] | undefined;
function notAutoPipelined(): string[] {
  return (notAutoPipelinedList ??= ioredisCommands().list.filter((name) => !FOLLOWED_COMMANDS.has(name)));
}

/**
 * ioredis Cluster options that make ioredis itself follow the rule for commands sent straight
 * through the client (`getRedis()`): it pauses 100 ms after TRYAGAIN, CLUSTERDOWN and a
 * connection lost to a failing master (it cannot back off), and follows MOVED at once; its count
 * of redirects is sized so that it keeps going for `timeoutMs` of 100 ms pauses (its default, 16,
 * gives up after 1.6 s, shorter than a failover). Auto-pipelining is kept for popoto-ts's scripts
 * only (see `notAutoPipelined`).
 */
export function clusterRedirectOptions(timeoutMs: number): ClusterOptions {
  const pauseMs = 100;
  return {
    enableAutoPipelining: true,
    autoPipeliningIgnoredCommands: notAutoPipelined(),
    retryDelayOnTryAgain: pauseMs,
    retryDelayOnClusterDown: pauseMs,
    retryDelayOnFailover: pauseMs,
    maxRedirections: Math.max(16, Math.ceil(timeoutMs / pauseMs)),
  };
}
