/**
 * popoto-ts: Popoto's concurrency utilities for Redis, in TypeScript.
 * Subpath modules: `popoto-ts/utils/multithreading`.
 */
export * from './utils/multithreading.js';
