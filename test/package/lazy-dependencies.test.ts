// test tier: unit
// Importing popoto-ts, or any of its public subpaths, loads none of its heavy dependencies:
// ioredis (and its command table) is loaded when a connection is first opened or an ioredis error
// read, msgpackr when something is first encoded or decoded, cli-progress by the CLI only, and
// piscina never (ThreadPool is popoto-ts's own). Each import runs in a fresh node, from the
// TypeScript source; bench/import-time.ts measures what it saves, from dist/.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { packageEntryPoints, packagesIn, probeImport } from '../../bench/import-probe.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HEAVY = ['ioredis', '@ioredis/commands', 'msgpackr', 'cli-progress', 'piscina'];

/** The npm packages a fresh node loads importing `file` (relative to the repository root) under tsx. */
async function packagesLoadedBy(file: string): Promise<string[]> {
  const { modules } = await probeImport(ROOT + file, { nodeArgs: ['--import', 'tsx'], listModules: true, cwd: ROOT });
  return packagesIn(modules);
}

/** Each public entry point's TypeScript source: dist/redis/index.js → src/redis/index.ts. */
const sources = Object.entries(packageEntryPoints(ROOT)).map(
  ([name, built]) => [name, built.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts')] as const,
);

describe('importing popoto-ts', () => {
  it('is watched by a probe that sees each heavy dependency once it is loaded', async () => {
    expect(await packagesLoadedBy('test/fixtures/heavy-dependencies.ts')).toEqual(expect.arrayContaining(HEAVY));
  });

  it('covers every public entry point', () => {
    expect(sources.map(([name]) => name).sort()).toEqual([
      'popoto-ts',
      'popoto-ts/models',
      'popoto-ts/pubsub',
      'popoto-ts/redis',
      'popoto-ts/utils/multithreading',
    ]);
  });

  it.concurrent.each(sources)('%s loads no heavy dependency (%s)', async (_name, source) => {
    const loaded = await packagesLoadedBy(source);
    expect(loaded.filter((name) => HEAVY.includes(name))).toEqual([]);
  });
});
