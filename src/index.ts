/**
 * popoto-ts: Popoto's concurrency utilities for Redis, in TypeScript, and the Redis layer they drive.
 * Subpath modules: `popoto-ts/utils/multithreading`, `popoto-ts/redis`, `popoto-ts/models`, `popoto-ts/pubsub`.
 */
export * from './concurrency/index.js';
export * from './redis/index.js';
export * from './models/index.js';
export * from './pubsub/index.js';
