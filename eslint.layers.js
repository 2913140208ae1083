// @ts-check
const FOLDERS = ['utils', 'concurrency', 'redis', 'models', 'pubsub', 'cli'];

/**
 * One config block per folder of src/: an import (static, re-export or dynamic import()) of a
 * folder it may not use, or of the package root, is an error.
 * @param {Array<[string, string[]]>} layers each folder with the folders it may import
 */
function layerRules(layers) {
  return layers.map(([folder, allowed]) => {
    const banned = [...FOLDERS.filter((f) => f !== folder && !allowed.includes(f)), 'index.js'];
    const message = `src/${folder} may import only ${allowed.length === 0 ? 'its own folder' : `src/{${allowed.join(',')}}`} (layers run one way; see eslint.layers.js)`;
    const pattern = `^\\.\\./(${banned.map((b) => b.replace('.', '\\.')).join('|')})(/|$)`;
    return {
      files: [`src/${folder}/**/*.ts`],
      rules: {
        'no-restricted-imports': ['error', { patterns: [{ regex: pattern, message }] }],
        'no-restricted-syntax': [
          'error',
          { selector: `ImportExpression[source.value=/${pattern.replaceAll('/', '\\/')}/]`, message },
        ],
      },
    };
  });
}

// Layers run one way: each folder of src/ imports only the folders below it (so no cycle between
// folders can form). utils < concurrency < redis < models < pubsub < cli; src/index.ts is on top.
// test/lint/layers.test.ts proves each rule fails on an upward import.
export const layers = layerRules([
  ['utils', []],
  ['concurrency', ['utils']],
  ['redis', ['utils', 'concurrency']],
  ['models', ['utils', 'concurrency', 'redis']],
  ['pubsub', ['utils', 'concurrency', 'redis', 'models']],
  ['cli', ['utils', 'concurrency', 'redis', 'models', 'pubsub']],
]);
