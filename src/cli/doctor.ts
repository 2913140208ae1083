import { Redis } from 'ioredis';
import { resolveDefaultRedis } from '../redis/default-server.js';

/** `popoto-ts doctor`: which Redis would be used, whether it answers, its version and mode. */
export async function runDoctor(): Promise<void> {
  const { url, embedded } = await resolveDefaultRedis();
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    const info = await redis.info('server');
    const field = (name: string): string => new RegExp(`${name}:(\\S+)`).exec(info)?.[1] ?? '?';
    const lines = [
      `url:     ${url.replace(/\/\/[^@]*@/, '//***@')}${embedded ? ' (private redis-server started by popoto-ts)' : ''}`,
      `ping:    ${await redis.ping()}`,
      `version: ${field('redis_version')}`,
      `mode:    ${field('redis_mode')}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    redis.disconnect();
    await embedded?.stop();
  }
}
