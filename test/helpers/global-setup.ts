import type { TestProject } from 'vitest/node';
import { resolveDefaultRedis } from '../../src/redis/default-server.js';
import type { EmbeddedRedis } from '../../src/redis/embedded-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

let embedded: EmbeddedRedis | undefined;

/** REDIS_URL if set, else 127.0.0.1:6379 if it answers, else a private redis-server on a free port. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const resolved = await resolveDefaultRedis();
  embedded = resolved.embedded;
  project.provide('redisUrl', resolved.url);
  return async () => {
    await embedded?.stop();
  };
}
