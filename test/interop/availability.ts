// Whether the live interop suite (test/interop) can run here: it needs Debian's python3 with
// the packages Popoto imports, and Popoto 0.8.3's source. vitest.config.ts asks once per run:
// where they are missing, the suite is left out with one visible line saying why; with
// POPOTO_INTEROP=required (set by .ci/run) a missing piece fails the run instead.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Popoto 0.8.3, vendored beside the suite (vendor/README.md). */
export const VENDORED_POPOTO = fileURLToPath(new URL('./vendor/popoto-0.8.3', import.meta.url));

/** Where the interop suite finds Python and Popoto; each is configurable by an environment variable. */
export interface InteropSetup {
  /** The Python interpreter: `POPOTO_PYTHON`, default Debian's `/usr/bin/python3` (where the apt packages are), else `python3`. */
  python: string;
  /** The directory holding the `popoto` package: `POPOTO_PYTHONPATH`, default the vendored copy (`test/interop/vendor/popoto-0.8.3`). */
  popotoPath: string;
  /** `POPOTO_INTEROP=required`: a missing Python or Popoto fails the run (CI) instead of leaving the suite out. */
  required: boolean;
}

/** The peer script the suite runs (a long-lived Python Popoto process). */
export const PEER_SCRIPT = fileURLToPath(new URL('./popoto_peer.py', import.meta.url));

/** The setup from the environment. */
export function interopSetup(env: NodeJS.ProcessEnv = process.env): InteropSetup {
  const mode = env.POPOTO_INTEROP ?? 'auto';
  if (mode !== 'auto' && mode !== 'required') {
    throw new Error(`POPOTO_INTEROP must be 'auto' or 'required', got ${JSON.stringify(mode)}`);
  }
  return {
    python: env.POPOTO_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'),
    popotoPath: resolve(env.POPOTO_PYTHONPATH ?? VENDORED_POPOTO),
    required: mode === 'required',
  };
}

/** Why the suite cannot run here, or undefined when it can: Python starts and imports this Popoto and its packages. */
export function interopUnavailable(setup: InteropSetup): string | undefined {
  if (!existsSync(join(setup.popotoPath, 'popoto', '__init__.py'))) {
    return `no Popoto at ${setup.popotoPath} (set POPOTO_PYTHONPATH to the directory holding the popoto package)`;
  }
  // Vitest evaluates its config once per project, each time as a fresh module: the answer is kept
  // on globalThis, so that a run starts Python (half a second, pandas included) once.
  const asked = ((globalThis as Record<symbol, Map<string, string | undefined> | undefined>)[PYTHON_ASKED] ??=
    new Map());
  const key = JSON.stringify([setup.python, setup.popotoPath]);
  if (!asked.has(key)) asked.set(key, pythonUnavailable(setup));
  return asked.get(key);
}

/** Where interopUnavailable keeps pythonUnavailable's answer per Python and Popoto. */
const PYTHON_ASKED = Symbol.for('popoto-ts.interop-python-unavailable');

/** Why Python cannot import this Popoto and its packages, or undefined when it can. */
function pythonUnavailable(setup: InteropSetup): string | undefined {
  let imported: string;
  try {
    imported = execFileSync(
      setup.python,
      ['-c', 'import msgpack, msgpack_numpy, pandas, redis, popoto; print(popoto.__file__)'],
      { env: { ...process.env, PYTHONPATH: setup.popotoPath }, encoding: 'utf8', stdio: 'pipe', timeout: 60_000 },
    ).trim();
  } catch (error) {
    const stderr = (error as { stderr?: string | Buffer }).stderr?.toString().trim() ?? '';
    const last = stderr.split('\n').pop() || (error as Error).message;
    return `${setup.python} cannot import Popoto and its packages (${last}); install them with: apt-get install -y python3 python3-redis python3-msgpack python3-pandas python3-numpy python3-msgpack-numpy`;
  }
  if (!resolve(imported).startsWith(setup.popotoPath)) {
    return `${setup.python} imports popoto from ${imported}, not from ${setup.popotoPath}`;
  }
  return undefined;
}

/**
 * The test files to leave out: none when the suite can run; `test/interop/**` (after printing
 * one line saying why) when it cannot. Throws when it cannot and the run requires it.
 */
export function interopExclusions(env: NodeJS.ProcessEnv = process.env): string[] {
  const setup = interopSetup(env);
  const reason = interopUnavailable(setup);
  if (reason === undefined) return [];
  if (setup.required)
    throw new Error(`POPOTO_INTEROP=required, but the Python Popoto interop suite cannot run: ${reason}`);
  console.warn(`popoto-ts: the live Python Popoto interop suite (test/interop) did not run: ${reason}`);
  return ['test/interop/**'];
}
