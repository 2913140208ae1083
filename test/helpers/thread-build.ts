// Compiles src/ and test/fixtures/threads/ to JavaScript for the unit tier's worker threads
// (test/helpers/thread-fixtures.ts says why), file by file so that a task module and the worker
// entry share one instance of each module, as they do in dist/. esbuild (through Vite, already
// Vitest's) strips the types, as tsx does when a thread loads the sources.
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { transformWithEsbuild } from 'vite';
import { ROOT, THREAD_BUILD } from './thread-fixtures.js';

const SOURCE_DIRS = ['src', join('test', 'fixtures', 'threads')];

/**
 * Writes `text` to `file` through a temporary file and a rename: two runs in one checkout
 * compile the same sources to the same place, and neither may see the other's half-written file.
 */
async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}

/** Compiles every .ts file under the source folders into THREAD_BUILD, keeping the layout. */
export async function buildThreadModules(): Promise<void> {
  // Below node_modules/ a .js file's type is not looked up above it: say it is an ES module.
  await writeAtomically(join(THREAD_BUILD, 'package.json'), '{ "type": "module" }\n');
  const files = (
    await Promise.all(
      SOURCE_DIRS.map(async (dir) =>
        (await readdir(join(ROOT, dir), { recursive: true, encoding: 'utf8' })).map((file) => join(dir, file)),
      ),
    )
  )
    .flat()
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
  await Promise.all(
    files.map(async (file) => {
      const source = join(ROOT, file);
      const { code } = await transformWithEsbuild(await readFile(source, 'utf8'), source, {
        loader: 'ts',
        format: 'esm',
        target: 'es2022',
        sourcemap: 'inline',
      });
      await writeAtomically(join(THREAD_BUILD, file.replace(/\.ts$/, '.js')), code);
    }),
  );
}
