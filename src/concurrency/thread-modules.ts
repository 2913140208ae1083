// The modules a ThreadPool's workers load: the caller's task module (checked here, in the
// main thread, so that a wrong one is a TypeError at construction) and the pool's own worker
// entry. A worker thread does not inherit the main thread's module hooks on Node 20, so a `.ts`
// task module (or this library run from its own sources, as the tests do) needs a loader
// registered inside each worker; tsx is used when it is installed. Nothing of that runs for
// JavaScript task modules loaded from the published dist/.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describeValue } from '../utils/errors.js';
import { TsxNotFoundError } from './thread-errors.js';

/** Set on globalThis in a worker once a TypeScript loader is registered there. */
const TS_LOADER_FLAG = Symbol.for('popoto-ts.ts-loader');

/** True when `url` names a TypeScript file. */
export function isTypeScriptUrl(url: string): boolean {
  return /\.[cm]?ts$/.test(url.startsWith('file:') ? new URL(url).pathname : url);
}

/**
 * The file URL of tsx's ESM registration API (`tsx/esm/api`), resolved from `fromUrl` as Node
 * would resolve it, or undefined when tsx is not installed there.
 */
function findTsxApi(fromUrl: string): string | undefined {
  return findTsxExport(fromUrl, './esm/api');
}

/**
 * The file URL of one of tsx's ESM package exports, resolved from `fromUrl` as Node would resolve
 * it, or undefined when tsx is not installed there. Read from tsx's package exports, since
 * `require.resolve` would give its CommonJS build.
 */
function findTsxExport(fromUrl: string, subpath: './esm/api' | './esm'): string | undefined {
  try {
    const packageJson = createRequire(fromUrl).resolve('tsx/package.json');
    const { exports } = JSON.parse(readFileSync(packageJson, 'utf8')) as {
      exports?: Record<string, string | { import?: string | { default?: string } }>;
    };
    const entry = exports?.[subpath];
    const target = typeof entry === 'string' ? entry : entry?.import;
    const relative = typeof target === 'string' ? target : target?.default;
    return relative === undefined ? undefined : pathToFileURL(join(dirname(packageJson), relative)).href;
  } catch {
    return undefined;
  }
}

/** True when this Node strips TypeScript types itself (22.6+ with the flag, 23.6+ by default). */
function nodeRunsTypeScript(): boolean {
  return Boolean((process.features as { typescript?: unknown }).typescript);
}

/**
 * A module, as a data: URL for `--import`, that registers tsx's loader hooks (`hooksUrl`, tsx's
 * `tsx/esm` entry) in the thread that imports it. It hands them to `module.register` itself, as
 * tsx's `register()` does, rather than importing tsx's API: that import would load tsx and
 * esbuild a second time in every worker (the hooks thread loads them anyway), which is most of a
 * source-run worker's start-up cost. Source maps are enabled as `register()` enables them.
 */
function tsLoaderModule(hooksUrl: string): string {
  const source =
    `import { register } from 'node:module'; process.setSourceMapsEnabled(true); ` +
    `register(${JSON.stringify(hooksUrl)}, { data: {} }); ` +
    `globalThis[Symbol.for(${JSON.stringify(TS_LOADER_FLAG.description)})] = true;`;
  return `data:text/javascript,${encodeURIComponent(source)}`;
}

/**
 * What loading the TypeScript module at `moduleUrl` takes: nothing (undefined) when this Node
 * strips types itself, else tsx, whose registration API's URL is returned. Neither is a
 * TypeError saying what to do: checked in the main thread when a pool is made, and in the worker.
 */
function typeScriptLoaderFor(moduleUrl: string): string | undefined {
  if (nodeRunsTypeScript()) return undefined;
  const apiUrl = findTsxApi(moduleUrl);
  if (apiUrl === undefined) {
    throw new TypeError(
      `taskModuleUrl is a TypeScript file (${moduleUrl}) and no TypeScript loader was found: install tsx beside it, or point the pool at compiled JavaScript`,
    );
  }
  return apiUrl;
}

/** Registers tsx in the current (worker) thread unless a TypeScript loader already is. */
export async function ensureTsLoader(moduleUrl: string): Promise<void> {
  if ((globalThis as Record<symbol, unknown>)[TS_LOADER_FLAG] === true) return;
  const apiUrl = typeScriptLoaderFor(moduleUrl);
  if (apiUrl === undefined) return;
  const { register } = (await import(apiUrl)) as { register: () => unknown };
  register();
  (globalThis as Record<symbol, unknown>)[TS_LOADER_FLAG] = true;
}

/**
 * Flags a worker thread refuses in `execArgv` (V8 and process-wide options); dropped from the
 * inherited flags when a loader has to be added (running this library from its TypeScript sources).
 */
const PROCESS_WIDE_FLAG =
  /^--(expose[-_]gc|max[-_]old[-_]space[-_]size|max[-_]semi[-_]space[-_]size|title|stack[-_]size|prof|cpu-prof|heap-prof|v8-)/;

const OWN_URL = import.meta.url;
/** True when this file runs as TypeScript (the tests), false from the compiled dist/. */
const FROM_SOURCE = OWN_URL.endsWith('.ts');

/** The worker entry every ThreadPool thread starts with (thread-worker), and the worker flags it needs. */
export function workerEntry(): { filename: string; execArgv: string[] | undefined } {
  const entry = new URL(FROM_SOURCE ? './thread-worker.ts' : './thread-worker.js', OWN_URL);
  return { filename: fileURLToPath(entry), execArgv: FROM_SOURCE ? sourceExecArgv() : undefined };
}

/** The task module's URL as a string, checked: a TypeError for anything that cannot be a module. */
export function normalizeModuleUrl(taskModuleUrl: unknown): string {
  let url: URL;
  if (taskModuleUrl instanceof URL) {
    url = taskModuleUrl;
  } else if (typeof taskModuleUrl === 'string' && isAbsolute(taskModuleUrl)) {
    url = pathToFileURL(taskModuleUrl);
  } else if (typeof taskModuleUrl === 'string' && /^(file|data):/.test(taskModuleUrl)) {
    url = new URL(taskModuleUrl);
  } else {
    throw new TypeError(
      `taskModuleUrl must be a file: URL, an absolute path or a data: URL (e.g. new URL('./task.js', import.meta.url)), got ${describeValue(taskModuleUrl)}`,
    );
  }
  if (url.protocol === 'file:') {
    if (!existsSync(fileURLToPath(url))) {
      const source = typeScriptSourceOf(url);
      if (source === undefined) {
        throw new TypeError(`taskModuleUrl must name an existing module file, got ${url.href} (no such file)`);
      }
      url = source;
    }
    // From the sources the worker has a loader already (sourceExecArgv).
    if (isTypeScriptUrl(url.href) && !FROM_SOURCE) typeScriptLoaderFor(url.href);
  } else if (url.protocol !== 'data:') {
    throw new TypeError(`taskModuleUrl must be a file: or data: URL, got ${url.href}`);
  }
  return url.href;
}

/**
 * The TypeScript source a missing `.js`/`.mjs`/`.cjs` URL stands for, if it exists beside it.
 * TypeScript code names its modules by their compiled names (`new URL('./task.js',
 * import.meta.url)`), and tsx runs the `.ts` file under that name: so the same line works in
 * the sources (under tsx) and once compiled.
 */
function typeScriptSourceOf(url: URL): URL | undefined {
  const match = /\.(m|c)?js$/.exec(url.pathname);
  if (match === null) return undefined;
  const source = new URL(url.href.replace(/\.(m|c)?js(?=$|[?#])/, `.${match[1] ?? ''}ts`));
  return existsSync(fileURLToPath(source)) ? source : undefined;
}

/**
 * Worker flags when this library runs from its TypeScript sources: the inherited flags a
 * worker accepts, plus a loader so the worker can import thread-worker.ts. Never used from dist/.
 */
function sourceExecArgv(): string[] {
  const hooks = findTsxExport(OWN_URL, './esm');
  if (hooks === undefined)
    throw new TsxNotFoundError('running popoto-ts from its TypeScript sources needs tsx installed');
  return [...process.execArgv.filter((flag) => !PROCESS_WIDE_FLAG.test(flag)), '--import', tsLoaderModule(hooks)];
}
