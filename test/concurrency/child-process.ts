// Runs the child-process fixtures of the process-level tests (shutdown, exit on its own).
import { spawn } from 'node:child_process';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { redisUrl } from '../helpers/redis.js';

/** How a child process ended, and what it printed. */
export interface ChildOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a fixture in a child Node: `name` under test/fixtures, or an absolute path; a TypeScript
 * file runs with tsx, a JavaScript file with plain node. `onReady` runs once it prints `ready`.
 */
export function runFixture(
  name: string,
  args: string[],
  options: { ready?: string; onReady?: (pid: number) => void; killAfterMs?: number } = {},
): Promise<ChildOutcome> {
  const file = isAbsolute(name) ? name : fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
  const loader = file.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...loader, file, ...args], {
    env: { ...process.env, REDIS_URL: redisUrl() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let readySeen = false;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (!readySeen && options.ready !== undefined && stdout.includes(options.ready)) {
      readySeen = true;
      options.onReady?.(child.pid!);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  // A hang detector, not a speed bound: a child still alive after this long is stuck.
  const killer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 25_000);
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
