// @ts-check
const FOLDERS = ['utils', 'concurrency', 'redis', 'models', 'pubsub', 'cli'];
/** The runtime dependencies: each is loaded only by the layers that need it (the engine loads none). */
const PACKAGES = ['ioredis', 'msgpackr', 'cli-progress'];

/**
 * One config block per folder of src/: an import (static, re-export or dynamic import()) of a
 * folder it may not use, of the package root, or of a runtime dependency it has no use for, is
 * an error.
 * @param {Array<[string, string[], string[]]>} layers each folder with the folders and the packages it may import
 */
function layerRules(layers) {
  return layers.map(([folder, allowed, packages]) => {
    const banned = [...FOLDERS.filter((f) => f !== folder && !allowed.includes(f)), 'index.js'];
    const message = `src/${folder} may import only ${allowed.length === 0 ? 'its own folder' : `src/{${allowed.join(',')}}`} (layers run one way; see eslint.layers.js)`;
    const pattern = `^\\.\\./(${banned.map((b) => b.replace('.', '\\.')).join('|')})(/|$)`;
    const bannedPackages = PACKAGES.filter((name) => !packages.includes(name));
    const packageMessage = `src/${folder} loads ${packages.length === 0 ? 'no runtime dependency' : `only ${packages.join(', ')}`} (see eslint.layers.js)`;
    const packagePattern = `^(${bannedPackages.join('|')})(/|$)`;
    /** @param {string} regex @param {string} text */
    const dynamic = (regex, text) => ({
      selector: `ImportExpression[source.value=/${regex.replaceAll('/', '\\/')}/]`,
      message: text,
    });
    return {
      files: [`src/${folder}/**/*.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              { regex: pattern, message },
              ...(bannedPackages.length > 0 ? [{ regex: packagePattern, message: packageMessage }] : []),
            ],
          },
        ],
        'no-restricted-syntax': [
          'error',
          dynamic(pattern, message),
          ...(bannedPackages.length > 0 ? [dynamic(packagePattern, packageMessage)] : []),
        ],
      },
    };
  });
}

// Layers run one way: each folder of src/ imports only the folders below it (so no cycle between
// folders can form). utils < concurrency < redis < models < pubsub < cli; src/index.ts is on top.
// test/lint/layers.test.ts proves each rule fails on an upward import.
export const layers = layerRules([
  ['utils', [], []],
  ['concurrency', ['utils'], []],
  ['redis', ['utils', 'concurrency'], ['ioredis']],
  ['models', ['utils', 'concurrency', 'redis'], ['ioredis', 'msgpackr']],
  ['pubsub', ['utils', 'concurrency', 'redis', 'models'], ['ioredis']],
  ['cli', ['utils', 'concurrency', 'redis', 'models', 'pubsub'], ['ioredis', 'cli-progress']],
]);
