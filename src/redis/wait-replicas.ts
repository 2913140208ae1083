import { PopotoError, type PopotoErrorCode } from '../utils/errors.js';
import type { Redis } from 'ioredis';
import { assertInteger } from '../utils/validate.js';
import { timeoutOf } from './availability.js';
import { isCluster, keyPrefixOf, type RedisClient } from './client-shape.js';
import { masterForSlot } from './cluster-nodes.js';
import { keySlot } from './key-slot.js';

/**
 * A write Redis acknowledged, but fewer replicas than `waitReplicas` confirmed it within
 * `timeoutMs` (WAIT). It is on the master; if the master fails before its replicas catch up,
 * Redis may discard it (asynchronous replication).
 */
export class ReplicasNotConfirmedError extends PopotoError {
  override readonly name: string = 'ReplicasNotConfirmedError';
  override readonly code: PopotoErrorCode = 'ERR_POPOTO_REPLICAS_NOT_CONFIRMED';

  constructor(
    /** Replicas that confirmed. */
    readonly acknowledged: number,
    /** Replicas asked for. */
    readonly required: number,
    timeoutMs: number,
  ) {
    super(
      `written, but only ${acknowledged} of ${required} replicas confirmed it within ${timeoutMs} ms (WAIT); ` +
        'a failover before they catch up may discard it',
    );
  }
}

/** Throws a RangeError unless `value` is undefined or an integer >= 1 (the `waitReplicas` option). */
export function assertWaitReplicas(value: unknown): asserts value is number | undefined {
  if (value !== undefined) assertInteger(value, 'waitReplicas', 1);
}

/**
 * The connection whose writes hold `key`: on a cluster its slot's master (the connection the
 * write went through, which WAIT must be sent on), else the client itself.
 */
export function connectionFor(client: RedisClient, key: string): Redis | RedisClient | undefined {
  return isCluster(client) ? masterForSlot(client, keySlot(keyPrefixOf(client) + key)) : client;
}

/**
 * WAIT `replicas` on `connection`, for at most a quarter of the client's `timeoutMs`: resolves
 * when that many replicas have every write sent on it so far, else rejects with a
 * ReplicasNotConfirmedError. (A longer WAIT would outlast the socket timeout, half of
 * `timeoutMs`, which takes a connection silent that long for dead and drops it, with every other
 * command on it.) The one place WAIT is sent (setMany and model saves use it).
 */
export async function waitForReplicas(
  client: RedisClient,
  connection: Redis | RedisClient | undefined,
  replicas: number,
): Promise<void> {
  const timeoutMs = Math.max(1, Math.floor(timeoutOf(client) / 4));
  if (connection === undefined) throw new ReplicasNotConfirmedError(0, replicas, timeoutMs);
  const acknowledged = Number(await (connection as Redis).wait(replicas, timeoutMs));
  if (acknowledged < replicas) throw new ReplicasNotConfirmedError(acknowledged, replicas, timeoutMs);
}
