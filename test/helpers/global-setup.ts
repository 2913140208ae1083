import type { TestProject } from 'vitest/node';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/redis/embedded-server.js';
import { redisAnswers } from '../../src/redis/probe.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

let embedded: EmbeddedRedis | undefined;

/** REDIS_URL if set, else 127.0.0.1:6379 if it answers, else a private redis-server on a free port. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let url = process.env.REDIS_URL;
  if (url === undefined || url === '') {
    if (await redisAnswers('127.0.0.1', 6379)) {
      url = 'redis://127.0.0.1:6379';
    } else {
      embedded = await startEmbeddedRedis();
      url = embedded.url;
    }
  }
  project.provide('redisUrl', url);
  return async () => {
    await embedded?.stop();
  };
}
