/**
 * popoto-ts/redis: the connection every other part uses, and bulk operations that are
 * ordered, concurrent (built on runAllMultithreaded) and correct on a Redis Cluster.
 */
export {
  connect,
  defaultConnection,
  disconnect,
  getRedis,
  isCluster,
  RedisConnection,
  type AnyRedisClient,
  type ConnectOptions,
  type RedisClient,
  type RedisSource,
  type SharedRedisClient,
} from './connection.js';
export type { RedisClientLike } from './client-shape.js';
export { DEFAULT_TIMEOUT_MS } from './availability.js';
export { keySlot } from './key-slot.js';
export {
  BulkOperationError,
  type BulkOperationErrorOptions,
  RedisAlreadyConnectedError,
  RedisClosedError,
  RedisConnectionError,
  RedisNoReplyError,
  RedisNotConnectedError,
  RedisServerStartError,
  RedisUnavailableError,
  ShardedPubSubUnsupportedError,
} from './errors.js';
export { NoRedisError } from './default-server.js';
export { NoSlotOwnerError } from './batch-route.js';
export { PopotoError, type PopotoErrorCode } from '../utils/errors.js';
export { ReplicasNotConfirmedError } from './wait-replicas.js';
export { DEFAULT_BATCH_SIZE, DEFAULT_BULK_CONCURRENCY, type BulkOptions } from './bulk-options.js';
export { getMany } from './get-many.js';
export { setMany, type SetManyOptions } from './set-many.js';
export { deleteMany } from './delete-many.js';
export { deleteKeysUnder, type DeleteKeysUnderOptions } from './delete-keys-under.js';
export { publishMany, type PublishManyBulkOptions } from './publish-many.js';
export { scanKeys, type ScanKeysOptions } from './scan-keys.js';
export { escapeGlob } from './escape-glob.js';
export type { RedisValue } from './inputs.js';
export { redactUrl } from './url.js';
