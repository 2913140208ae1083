import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, freePortWithCompanion } from './free-port.js';
import { RedisServerStartError } from './errors.js';
import { redisAnswers } from './probe.js';

/** A private redis-server started by this process. */
export interface EmbeddedRedis {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Process id of the redis-server itself. */
  readonly pid: number;
  /** Stops the server and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options of `startEmbeddedRedis`. */
export interface EmbeddedRedisOptions {
  /** More `redis-server` arguments, e.g. `['--cluster-enabled', 'yes']`. */
  args?: string[];
  /** How long to wait for the server to answer, in all (a port taken meanwhile is retried within it). Default 5000 ms. */
  readyTimeoutMs?: number;
  /** Working directory of the server (cluster nodes keep nodes.conf there). Default: the temp dir. */
  dir?: string;
  /** Pick a port whose cluster bus port (port + 10000) is free as well. */
  clusterBus?: boolean;
  /** Listen on this port (a restart on the port a stopped server had, say) instead of a free one. */
  port?: number;
}

/** Full path of an executable on PATH, or undefined. */
export function findOnPath(command: string, path = process.env.PATH): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

// redis-server runs under a small shell that kills it when our end of its stdin closes. The
// OS closes that pipe however this process ends (exit, crash, SIGKILL), so the server never
// outlives us as an orphan, and no exit handler of ours has to run for that to hold.
const GUARD_SCRIPT = 'redis-server "$@" & pid=$!; read -r _ || true; kill "$pid" 2>/dev/null; wait "$pid"';

/**
 * Starts a private redis-server on a free port of 127.0.0.1, with no persistence
 * (`--save "" --appendonly no`), and resolves once it answers PING. The child is unref'd:
 * it does not keep this process alive, and it stops when this process ends.
 */
export async function startEmbeddedRedis(options: EmbeddedRedisOptions = {}): Promise<EmbeddedRedis> {
  const binary = findOnPath('redis-server');
  if (binary === undefined) throw new RedisServerStartError('redis-server is not on PATH');
  const deadline = Date.now() + (options.readyTimeoutMs ?? 5000);
  // A port that was free when probed can be taken before redis binds it: only that is retried.
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (options.clusterBus === true ? await freePortWithCompanion(10_000) : await freePort());
    try {
      return await startOn(port, options, deadline);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt === 3 || Date.now() > deadline) throw error;
    }
  }
}

/** redis-server could not bind its port: another process took it after we probed it. */
class PortTakenError extends RedisServerStartError {}

async function startOn(port: number, options: EmbeddedRedisOptions, deadline: number): Promise<EmbeddedRedis> {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--loglevel',
    'warning',
    '--dir',
    options.dir ?? tmpdir(),
    ...(options.args ?? []),
  ];
  const child = spawn('sh', ['-c', GUARD_SCRIPT, 'popoto-ts-redis', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // redis-server logs to stdout; keep the tail of both streams to explain a failed start.
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8').on('data', (chunk: string) => {
      output = (output + chunk).slice(-2000);
    });
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });

  const started = Date.now();
  while (!(await redisAnswers('127.0.0.1', port, 200))) {
    // An unreachable network (the loopback interface down, say) is not going to heal: say so at once.
    const unreachable = Date.now() - started > 200 ? await connectError(port) : '';
    if (hasExited || Date.now() > deadline || /ENETUNREACH|EHOSTUNREACH|EADDRNOTAVAIL/.test(unreachable)) {
      const reason = hasExited
        ? (lastLogLine(output) ?? `it exited with code ${child.exitCode}`)
        : `it does not answer on 127.0.0.1:${port} (${unreachable || (await connectError(port))})`;
      await stopChild(child, exited);
      const message = `redis-server did not start on port ${port}: ${reason}`;
      // Reads the child's own log line (redis-server has no other channel to say its port was
      // taken), not an error of ours: the one message test here, and only to retry another port.
      throw /address already in use/i.test(reason) ? new PortTakenError(message) : new RedisServerStartError(message);
    }
    await sleep(20);
  }
  const pid = await serverPid(port);
  unrefChild(child);
  let stopping: Promise<void> | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid,
    stop: () => (stopping ??= stopChild(child, exited)),
  };
}

function unrefChild(child: ChildProcess): void {
  child.unref();
  // The pipes are handles too; unref them so the server never keeps this process alive.
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.stdin?.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** The server's own pid, asked of the server (the child we spawned is the guarding shell). */
function serverPid(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let data = '';
    socket.setEncoding('latin1');
    socket.once('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (chunk: string) => {
      data += chunk;
      const match = /process_id:(\d+)/.exec(data);
      if (match?.[1] !== undefined) {
        socket.destroy();
        resolve(Number(match[1]));
      }
    });
    socket.once('error', reject);
    socket.setTimeout(2000, () => {
      socket.destroy();
      reject(new RedisServerStartError(`no answer to INFO from redis-server on port ${port}`));
    });
  });
}

/** The last warning of a redis-server log without its `pid:role date time #` prefix: why it stopped. */
function lastLogLine(log: string): string | undefined {
  const lines = log
    .split('\n')
    .map((line) => line.replace(/^\d+:[A-Z] [^#*]*[#*] /, '').trim())
    .filter((line) => line !== '' && !/^(Redis version|Configuration loaded|WARNING Memory overcommit)/.test(line));
  return lines.at(-1);
}

/** Why a TCP connection to 127.0.0.1:port fails (e.g. `connect ENETUNREACH` when the loopback is down). */
function connectError(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const finish = (why: string): void => {
      socket.destroy();
      resolve(why);
    };
    socket.setTimeout(500, () => finish('connect timed out'));
    socket.once('error', (error: NodeJS.ErrnoException) => finish(`connect ${error.code ?? error.message}`));
    socket.once('connect', () => finish('connected, but no reply to PING'));
  });
}
