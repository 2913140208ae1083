import { PopotoError, type PopotoErrorCode } from '../utils/errors.js';
import type { Batch } from './batch-plan.js';
import { masterForSlot } from './cluster-nodes.js';
import { isCluster, type RedisClient } from './client-shape.js';
import { redirectOf, type Redirect } from './redirects.js';

/**
 * Where a batch goes on a cluster:
 * - `client`: through the Cluster client, which routes each command by ioredis's own slot
 *   computation and follows MOVED (what models use: their keys are hash-tagged, which ioredis
 *   hashes right).
 * - `slot-owner`: to the master of the batch's slot, falling back to the client when the slot's
 *   master is unknown (keyless PUBLISH: any node delivers, the owner only keeps a channel's
 *   messages in order).
 * - `direct`: to the master of the batch's slot, never elsewhere (the bulk key operations: ioredis
 *   computes some keys' slots differently from Redis, so its routing cannot be trusted with them).
 */
export type Route = 'client' | 'slot-owner' | 'direct';

/**
 * A cluster's slot has no master we hold a connection to (failing over, resharding), or its node
 * answered MOVED: followed like a MOVED (after a slot refresh), so it reaches a caller only as the
 * cause of a RedisUnavailableError once redirects ran out of time, or (a sharded Subscriber still
 * placing a channel) at an `onError` handler.
 */
export class NoSlotOwnerError extends PopotoError {
  override readonly name: string = 'NoSlotOwnerError';
  override readonly code: PopotoErrorCode = 'ERR_POPOTO_NO_SLOT_OWNER';
}

/** The connection `batch` is sent on, by `route`; throws a NoSlotOwnerError for a `direct` batch whose master is unknown. */
export function targetOf(client: RedisClient, batch: Batch, route: Route): RedisClient {
  if (route === 'client' || !isCluster(client) || batch.slot === undefined) return client;
  const owner = masterForSlot(client, batch.slot);
  if (owner !== undefined) return owner;
  if (route === 'slot-owner') return client;
  throw new NoSlotOwnerError(
    `no connection to the master serving hash slot ${batch.slot} (the cluster may be failing over or resharding)`,
  );
}

/** A redirect (see `redirectOf`), or a slot whose master we hold no connection to, which is followed like a MOVED. */
export function redirectOrMissingOwner(error: unknown): Redirect | undefined {
  if (error instanceof NoSlotOwnerError) return { kind: 'moved' };
  return redirectOf(error);
}
