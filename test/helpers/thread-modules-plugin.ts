// The unit project's one change to how src/ runs: src/concurrency/thread-modules.ts is told it
// is its compiled copy in THREAD_BUILD (test/helpers/thread-fixtures.ts), as it is in dist/. So
// ThreadPool starts its threads on the compiled worker entry with no TypeScript loader, through
// the same code path as the published package. Every other module, and the main thread's
// instances of them, stay the sources.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'vite';
import { ROOT, THREAD_BUILD } from './thread-fixtures.js';

const SOURCE = join(ROOT, 'src', 'concurrency', 'thread-modules.ts');
/** The line through which thread-modules.ts finds the worker entry and knows it runs from the sources. */
const OWN_URL_LINE = 'const OWN_URL = import.meta.url;';
const COMPILED_URL = pathToFileURL(join(THREAD_BUILD, 'src', 'concurrency', 'thread-modules.js')).href;

/** A Vite plugin replacing thread-modules.ts's own URL with its compiled copy's. */
export function threadModulesFromBuild(): Plugin {
  return {
    name: 'popoto-thread-modules-from-build',
    enforce: 'pre',
    transform(code, id) {
      if (id.split('?')[0] !== SOURCE) return undefined;
      // Fails loudly if thread-modules.ts stops finding its files through this one line.
      if (!code.includes(OWN_URL_LINE)) throw new Error(`${SOURCE} no longer has the line \`${OWN_URL_LINE}\``);
      return { code: code.replace(OWN_URL_LINE, `const OWN_URL = ${JSON.stringify(COMPILED_URL)};`), map: null };
    },
  };
}
