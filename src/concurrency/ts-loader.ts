// TypeScript in worker threads. A worker thread does not inherit the main thread's module hooks
// on Node 20, so a `.ts` task module (or this library run from its own sources, as the tests do)
// needs a loader registered inside each worker. tsx is used when it is installed; nothing here
// runs for JavaScript task modules loaded from the published dist/.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Set on globalThis in a worker once a TypeScript loader is registered there. */
export const TS_LOADER_FLAG = Symbol.for('popoto-ts.ts-loader');

/** True when `url` names a TypeScript file. */
export function isTypeScriptUrl(url: string): boolean {
  return /\.[cm]?ts$/.test(url.startsWith('file:') ? new URL(url).pathname : url);
}

/**
 * The file URL of tsx's ESM registration API (`tsx/esm/api`), resolved from `fromUrl` as Node
 * would resolve it, or undefined when tsx is not installed there. Read from tsx's package
 * exports, since `require.resolve` would give its CommonJS build.
 */
export function findTsxApi(fromUrl: string): string | undefined {
  try {
    const packageJson = createRequire(fromUrl).resolve('tsx/package.json');
    const { exports } = JSON.parse(readFileSync(packageJson, 'utf8')) as {
      exports?: Record<string, { import?: string | { default?: string } }>;
    };
    const target = exports?.['./esm/api']?.import;
    const relative = typeof target === 'string' ? target : target?.default;
    return relative === undefined ? undefined : pathToFileURL(join(dirname(packageJson), relative)).href;
  } catch {
    return undefined;
  }
}

/** True when this Node strips TypeScript types itself (22.6+ with the flag, 23.6+ by default). */
export function nodeRunsTypeScript(): boolean {
  return Boolean((process.features as { typescript?: unknown }).typescript);
}

/** A module, as a data: URL for `--import`, that registers tsx from `apiUrl` in the thread that imports it. */
export function tsLoaderModule(apiUrl: string): string {
  const source =
    `import { register } from ${JSON.stringify(apiUrl)}; register(); ` +
    `globalThis[Symbol.for(${JSON.stringify(TS_LOADER_FLAG.description)})] = true;`;
  return `data:text/javascript,${encodeURIComponent(source)}`;
}

/** Registers tsx in the current (worker) thread unless a TypeScript loader already is. */
export async function ensureTsLoader(moduleUrl: string): Promise<void> {
  if ((globalThis as Record<symbol, unknown>)[TS_LOADER_FLAG] === true || nodeRunsTypeScript()) return;
  const apiUrl = findTsxApi(moduleUrl);
  if (apiUrl === undefined) {
    throw new TypeError(
      `taskModuleUrl is a TypeScript file (${moduleUrl}) and no TypeScript loader was found: install tsx beside it, or point the pool at compiled JavaScript`,
    );
  }
  const { register } = (await import(apiUrl)) as { register: () => unknown };
  register();
  (globalThis as Record<symbol, unknown>)[TS_LOADER_FLAG] = true;
}
