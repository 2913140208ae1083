// Where the unit tier's worker threads find their code: JavaScript compiled from src/ and
// test/fixtures/threads/ before the run (test/helpers/thread-build.ts). A thread that starts on
// JavaScript registers no TypeScript loader, which is most of a thread's start-up from the
// sources; the production paths (dist/, and a user's .ts task module under tsx) keep their own
// tests (thread-pool-process.test.ts, and the compiled-name test of thread-pool.test.ts).
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The compiled copy of src/ and test/fixtures/threads/, same layout, .ts files as .js. */
export const THREAD_BUILD = join(ROOT, 'node_modules', '.cache', 'popoto-ts-threads');

/** The compiled task module test/fixtures/threads/<name>.ts, as the unit tier's pools load it. */
export function threadFixture(name: string): URL {
  return pathToFileURL(join(THREAD_BUILD, 'test', 'fixtures', 'threads', `${name}.js`));
}
