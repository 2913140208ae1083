import type { Cluster, Redis } from 'ioredis';

// The one place that touches ioredis's private members. ioredis has no public way to fail the
// commands a client holds (queued offline, sent and unanswered, kept aside to resend after a
// reconnect, held back by auto-pipelining) or to mark a client closed whose socket is already
// gone, and availability.ts needs both to keep its time bound and to close without leaving a
// promise pending. Each member used here has a canary in test/redis/ioredis-internals.test.ts
// that names it and the ioredis version when an upgrade changes its shape. At run time a member
// that is missing is skipped, never thrown on: the client then behaves as ioredis alone does.

/** An ioredis queue entry: the command it holds. */
interface QueueItem {
  command: { reject(error: unknown): void };
}

/** An ioredis queue (a Deque): what is read of it. */
interface Drainable {
  shift(): QueueItem | undefined;
  readonly length: number;
}

/** The private members of a `Redis` or a `Cluster` used here (both have them, save `prevCommandQueue`). */
interface Internals {
  status: string;
  /** Commands waiting for a connection. */
  offlineQueue?: Drainable;
  /** Commands sent and awaiting a reply (public on `Redis`). */
  commandQueue?: Drainable;
  /** Commands auto-pipelining holds back until the running pipeline settles, by slot/node. */
  _autoPipelines?: Map<string, unknown>;
  /** Sets `status` and emits it as an event. */
  setStatus?(status: string): void;
  /** Rejects the offline queue and (on a `Redis`) the command queue with `error`. */
  flushQueue?(error: unknown, options?: { offlineQueue?: boolean; commandQueue?: boolean }): void;
  /** On a `Redis`: the commands in flight when a ready connection dropped, kept to resend after the reconnect. */
  prevCommandQueue?: Drainable | null;
}

function internalsOf(client: Redis | Cluster): Internals {
  return client as unknown as Internals;
}

/**
 * Rejects with `error` the commands `client` queued while offline, and on a `Redis` with
 * `sent: true` also those sent and awaiting a reply (ioredis's `flushQueue`).
 */
export function flushQueue(client: Redis | Cluster, error: unknown, queues: { sent: boolean }): void {
  internalsOf(client).flushQueue?.(error, { offlineQueue: true, commandQueue: queues.sent });
}

/** Rejects with `error` the commands a `Redis` keeps aside to resend after a reconnect (`prevCommandQueue`). */
export function rejectResendQueue(redis: Redis, error: unknown): void {
  const previous = internalsOf(redis).prevCommandQueue;
  if (previous === null || previous === undefined) return;
  for (let item = previous.shift(); item !== undefined; item = previous.shift()) item.command.reject(error);
}

/**
 * True while `client` still holds a command that will not settle on its own before it closes:
 * held back by auto-pipelining (`_autoPipelines`), queued offline (`offlineQueue`), or sent on a
 * connection that is not ready (`commandQueue`).
 */
export function holdsCommands(client: Redis | Cluster): boolean {
  const held = internalsOf(client);
  return (
    (held._autoPipelines?.size ?? 0) > 0 ||
    (held.offlineQueue?.length ?? 0) > 0 ||
    (held.status !== 'ready' && (held.commandQueue?.length ?? 0) > 0)
  );
}

/**
 * Sets `client`'s status to 'end' (ioredis's `setStatus`, which emits 'end' too): at 'end',
 * ioredis refuses every new command at once instead of queueing it.
 */
export function markEnded(client: Redis | Cluster): void {
  internalsOf(client).setStatus?.('end');
}
