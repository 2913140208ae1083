// Runs a program of ours (a fixture, the CLI, the bench) in a child Node process, TypeScript
// through tsx, as a user would run it, and reports how it ended and what it printed. The one
// child-process runner of the tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { redisUrl } from './redis.js';

/** How a child process ended and what it printed. */
export interface ChildOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of `runTs`. */
export interface RunOptions {
  /** Environment entries added to (or, as '', blanking) the parent's. */
  env?: Record<string, string>;
  /** Called once, when stdout or stderr first matches `when`: to signal the child mid-run, say. */
  on?: { when: RegExp; then: (child: ChildProcess, output: string) => void };
  /** A hang detector, not a speed bound: a child still alive after this long is killed. Default 25 s. */
  killAfterMs?: number;
  /** Working directory. Default: the repository root. */
  cwd?: string;
  /** A command that runs node, e.g. `['unshare', '-n']` (a network namespace whose loopback is down). */
  wrapper?: string[];
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `file` (relative to the repository root) with `args` under tsx. */
export function runTs(file: string, args: string[], options: RunOptions = {}): Promise<ChildOutcome> {
  return runNode(['--import', 'tsx', `${ROOT}${file}`, ...args], options);
}

/**
 * Runs a fixture against the test Redis (`REDIS_URL`, unless `options.env` says otherwise):
 * `name` under test/fixtures, or an absolute path; a TypeScript file under tsx, a JavaScript one
 * with plain node.
 */
export function runFixture(name: string, args: string[], options: RunOptions = {}): Promise<ChildOutcome> {
  const file = isAbsolute(name) ? name : `${ROOT}test/fixtures/${name}`;
  const loader = file.endsWith('.ts') ? ['--import', 'tsx'] : [];
  return runNode([...loader, file, ...args], { ...options, env: { REDIS_URL: redisUrl(), ...options.env } });
}

/** Runs `node <argv>` in the repository root (or `options.cwd`). */
export function runNode(argv: string[], options: RunOptions = {}): Promise<ChildOutcome> {
  const [command, ...prefix] = [...(options.wrapper ?? []), process.execPath];
  const child = spawn(command, [...prefix, ...argv], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let fired = false;
  const check = (): void => {
    if (fired || options.on === undefined) return;
    const output = stdout + stderr;
    if (!options.on.when.test(output)) return;
    fired = true;
    options.on.then(child, output);
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    check();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    check();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 25_000);
  return new Promise((resolve) => {
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs the `popoto-ts` command (src/cli/main.ts) with `args`. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  options: RunOptions = {},
): Promise<ChildOutcome> {
  return runTs('src/cli/main.ts', args, { ...options, env: { ...options.env, ...env } });
}
