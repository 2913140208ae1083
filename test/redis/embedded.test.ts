// The embedded default: nothing configured and nothing at the default address, so popoto-ts
// starts a private redis-server, and never leaves it behind.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connect, disconnect, NoRedisError } from '../../src/redis/index.js';
import { freePort } from '../../src/redis/free-port.js';
import { sleep } from '../helpers/async.js';

afterEach(async () => {
  await disconnect();
  vi.unstubAllEnvs();
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits up to 10 s for `pid` to disappear; a hang detector, not a speed bound. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 200 && isAlive(pid); i++) await sleep(50);
  return !isAlive(pid);
}

async function nothingThere(): Promise<string> {
  return `redis://127.0.0.1:${await freePort()}`;
}

function unsetRedisEnv(): void {
  vi.stubEnv('REDIS_URL', '');
  vi.stubEnv('REDIS_CLUSTER_NODES', '');
}

describe('embedded default', () => {
  it('starts a private redis-server when nothing answers, and stops it on disconnect()', async () => {
    unsetRedisEnv();
    const defaultUrl = await nothingThere();
    const client = (await connect({ defaultUrl })) as Redis;
    expect(client.options.port).not.toBe(Number(new URL(defaultUrl).port));
    expect(await client.ping()).toBe('PONG');
    const info = await client.info('persistence');
    expect(info).toContain('aof_enabled:0');
    expect(await client.config('GET', 'save')).toEqual(['save', '']);
    const pid = Number(/process_id:(\d+)/.exec(await client.info('server'))?.[1]);
    expect(isAlive(pid)).toBe(true);
    await disconnect();
    expect(await gone(pid)).toBe(true);
  });

  it('says so in one stderr line (where it runs, that its data goes at exit); quiet: true says nothing', async () => {
    unsetRedisEnv();
    const defaultUrl = await nothingThere();
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const client = (await connect({ defaultUrl })) as Redis;
      expect(written).toEqual([
        `popoto-ts: nothing answers at ${new URL(defaultUrl).host}, so this process uses a private redis-server ` +
          `at 127.0.0.1:${client.options.port}; its data is gone when the process exits ` +
          '(set REDIS_URL to use a Redis that keeps it; connect({ quiet: true }) hides this line)\n',
      ]);
      await disconnect();
      written.length = 0;
      const quiet = (await connect({ defaultUrl, quiet: true })) as Redis;
      expect(quiet.options.port).not.toBe(Number(new URL(defaultUrl).port));
      expect(written).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });

  it('stops the private server when its client is closed directly (quit()), and connect() starts another', async () => {
    unsetRedisEnv();
    const defaultUrl = await nothingThere();
    const client = (await connect({ defaultUrl })) as Redis;
    const pid = Number(/process_id:(\d+)/.exec(await client.info('server'))?.[1]);
    await client.quit();
    expect(await gone(pid)).toBe(true);
    const again = (await connect({ defaultUrl })) as Redis;
    expect(again).not.toBe(client);
    expect(await again.ping()).toBe('PONG');
  });

  it('without redis-server on PATH, fails at once with an error naming both fixes', async () => {
    unsetRedisEnv();
    const emptyDir = await mkdtemp(join(tmpdir(), 'popoto-empty-path-'));
    vi.stubEnv('PATH', emptyDir);
    try {
      const started = Date.now();
      const error = await connect({ defaultUrl: await nothingThere() }).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(error).toBeInstanceOf(NoRedisError);
      expect((error as Error).message).toMatch(/redis-server is not on PATH/);
      expect((error as Error).message).toMatch(/set REDIS_URL/);
      expect((error as Error).message).toMatch(/install redis-server/);
    } finally {
      await rm(emptyDir, { recursive: true, force: true });
    }
  });

  it('with embedded: false, names both fixes too', async () => {
    unsetRedisEnv();
    await expect(connect({ defaultUrl: await nothingThere(), embedded: false })).rejects.toThrow(
      /No Redis answers at 127\.0\.0\.1:\d+\. Either set REDIS_URL .* or install redis-server/,
    );
  });

  describe.each([
    ['exits with process.exit()', 'exit', undefined],
    ['crashes with an uncaught error', 'throw', undefined],
    ['is killed with SIGKILL', 'wait', 'SIGKILL'],
    ['is stopped with SIGTERM', 'wait', 'SIGTERM'],
  ] as const)('no orphan when the owner %s', (_label, mode, signal) => {
    it('the private server goes away with its owner', async () => {
      const file = fileURLToPath(new URL('../fixtures/embedded-owner.ts', import.meta.url));
      const env = { ...process.env, REDIS_URL: '', REDIS_CLUSTER_NODES: '' };
      const child = spawn(process.execPath, ['--import', 'tsx', file, await nothingThere(), mode], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      const pid = await new Promise<number>((resolve, reject) => {
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          stdout += chunk;
          const match = /pid (\d+)/.exec(stdout);
          if (match !== null) resolve(Number(match[1]));
        });
        child.once('exit', () => reject(new Error(`child exited before reporting a pid: ${stdout}`)));
      });
      expect(isAlive(pid)).toBe(true);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      if (signal !== undefined) child.kill(signal);
      await exited;
      expect(await gone(pid)).toBe(true);
    });
  });
});
