// test tier: unit
// The layering rules (eslint.layers.js: folders of src/ import only the folders below them) are
// proven able to fail: each upward import below, linted as if it stood in a file of src/, is an
// error, and an allowed downward import is not. `npm run lint` applies the same rules to src/.
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { layers } from '../../eslint.layers.js';

// Only the layer rules, without type information: what is tested is the rule, not the project.
const eslint = new ESLint({
  cwd: new URL('../..', import.meta.url).pathname,
  overrideConfigFile: true,
  overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...layers],
});

async function layerErrors(filePath: string, text: string): Promise<string[]> {
  const [result] = await eslint.lintText(text, { filePath });
  return result!.messages.filter((m) => m.ruleId?.startsWith('no-restricted-') === true).map((m) => m.message);
}

describe('the layering lint rule', () => {
  it.each([
    [
      'utils imports concurrency',
      'src/utils/errors.ts',
      "import { startNewThread } from '../concurrency/index.js';\nexport const f = startNewThread;\n",
    ],
    ['concurrency re-exports redis', 'src/concurrency/delay.ts', "export * from '../redis/connection.js';\n"],
    [
      'concurrency loads redis with import()',
      'src/concurrency/delay.ts',
      "export const load = () => import('../redis/index.js');\n",
    ],
    ['redis imports models', 'src/redis/url.ts', "import '../models/index.js';\n"],
    ['models imports pubsub', 'src/models/keys.ts', "import '../pubsub/index.js';\n"],
    ['pubsub imports the cli', 'src/pubsub/inputs.ts', "import '../cli/main.js';\n"],
    ['a folder imports the package root', 'src/models/keys.ts', "import '../index.js';\n"],
  ])('refuses an upward import: %s', async (_, filePath, text) => {
    const errors = await layerErrors(filePath, text);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/may import only .*layers run one way/);
  });

  it.each([
    [
      'the engine imports ioredis',
      'src/concurrency/delay.ts',
      "import { Redis } from 'ioredis';\nexport const R = Redis;\n",
    ],
    [
      'the engine loads msgpackr with import()',
      'src/concurrency/delay.ts',
      "export const load = () => import('msgpackr');\n",
    ],
    ['utils imports cli-progress', 'src/utils/errors.ts', "import 'cli-progress';\n"],
    ['models import cli-progress', 'src/models/keys.ts', "import 'cli-progress';\n"],
  ])('refuses a runtime dependency the layer has no use for: %s', async (_, filePath, text) => {
    const errors = await layerErrors(filePath, text);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/loads (no runtime dependency|only )/);
  });

  it.each([
    ['redis imports concurrency', 'src/redis/url.ts', "import '../concurrency/index.js';\n"],
    ['cli imports models', 'src/cli/table.ts', "import '../models/index.js';\n"],
    ['a file imports its own folder', 'src/utils/errors.ts', "import './validate.js';\n"],
    ['models import msgpackr', 'src/models/keys.ts', "import 'msgpackr';\n"],
    ['the cli imports cli-progress', 'src/cli/table.ts', "import 'cli-progress';\n"],
  ])('allows a downward import: %s', async (_, filePath, text) => {
    expect(await layerErrors(filePath, text)).toEqual([]);
  });
});
