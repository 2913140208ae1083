// Imports one module in a fresh Node process and reports how long the import took and every
// module file it loaded. The one place that knows how to look inside a child's import: the
// import-time measurement (bench/import-time.ts) and the lazy-loading test both use it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** What one child reported. */
export interface ImportProbe {
  /** Time from just before `await import(target)` to just after, in the child, in ms. */
  importMs: number;
  /** Time from spawning the child to its exit, in ms: process start-up included. */
  wallMs: number;
  /** Every module file loaded by the time the import resolved, as file URLs (empty unless `listModules`). */
  modules: string[];
}

/** Options of `probeImport`. */
export interface ProbeOptions {
  /** Node flags placed before the program, e.g. `['--import', 'tsx']` to import TypeScript source. */
  nodeArgs?: string[];
  /**
   * Record the modules loaded. A loader hook sees the ES modules (CommonJS `require()` calls do
   * not pass through it) and the CommonJS cache holds the rest; the hook slows the import, so
   * timing runs leave it off.
   */
  listModules?: boolean;
  /** Working directory of the child (module resolution of tsx etc. starts there). */
  cwd?: string;
}

// The hook runs on Node's loader thread; appending synchronously means the log is complete once
// the child's import has resolved.
const HOOK = `
import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function load(url, context, next) {
  appendFileSync(log, url + '\\n');
  return next(url, context);
}`;

// The child: registers the hook if asked, imports, then prints one JSON line.
const CHILD = `
import { createRequire, register } from 'node:module';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const log = process.env.PROBE_LOG;
if (log) register('data:text/javascript,' + encodeURIComponent(process.env.PROBE_HOOK), { data: { log } });
const start = performance.now();
await import(process.env.PROBE_TARGET);
const importMs = performance.now() - start;
const cjs = Object.keys(createRequire(process.cwd() + '/').cache).map((path) => pathToFileURL(path).href);
const esm = log ? readFileSync(log, 'utf8').split('\\n').filter(Boolean) : [];
process.stdout.write(JSON.stringify({ importMs, modules: [...new Set([...esm, ...cjs])] }) + '\\n');
`;

/** Imports `target` (a path, or a file: or data: URL) in a fresh `node` and reports what it cost and loaded. */
export async function probeImport(target: string, options: ProbeOptions = {}): Promise<ImportProbe> {
  const url = /^(file|data):/.test(target) ? target : pathToFileURL(target).href;
  const dir = options.listModules === true ? await mkdtemp(join(tmpdir(), 'popoto-import-probe-')) : undefined;
  try {
    const env: Record<string, string | undefined> = { ...process.env, PROBE_TARGET: url, PROBE_HOOK: HOOK };
    if (dir !== undefined) env.PROBE_LOG = join(dir, 'loaded.txt');
    const started = performance.now();
    const { code, stdout, stderr } = await run(
      [...(options.nodeArgs ?? []), '--input-type=module', '-e', CHILD],
      env,
      options.cwd,
    );
    const wallMs = performance.now() - started;
    if (code !== 0) throw new Error(`importing ${url} failed (exit ${code}):\n${stderr}`);
    const reported = JSON.parse(stdout.trim().split('\n').at(-1)!) as { importMs: number; modules: string[] };
    return { importMs: reported.importMs, wallMs, modules: dir === undefined ? [] : reported.modules };
  } finally {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The package's public entry points (package.json `exports`, `./package.json` aside), by the name
 * a user imports, each with its built file relative to `root`: `{ 'popoto-ts/redis': 'dist/redis/index.js' }`.
 */
export function packageEntryPoints(root: string): Record<string, string> {
  const manifest = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as {
    name: string;
    exports: Record<string, string | { default: string }>;
  };
  const entries: Record<string, string> = {};
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    if (typeof target === 'string') continue;
    entries[subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`] = target.default.slice(2);
  }
  return entries;
}

/** The npm packages among `modules` (file URLs), by name, sorted: `node_modules/<name>/...`. */
export function packagesIn(modules: readonly string[]): string[] {
  const names = new Set<string>();
  for (const url of modules) {
    const match = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (match !== null) names.add(match[1]!);
  }
  return [...names].sort();
}

function run(
  argv: string[],
  env: Record<string, string | undefined>,
  cwd: string | undefined,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
