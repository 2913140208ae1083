// ThreadPool at the process level: a program exits on its own after close(), from the sources
// and from the compiled dist/ (with a JavaScript and a TypeScript task module), and the
// shutdown hooks drain pool.startNewThread tasks.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRedis, scanAll, useKeyPrefix } from '../helpers/redis.js';
import { runFixture } from '../helpers/child-process.js';

const execFileAsync = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const redis = newRedis();
const prefix = useKeyPrefix(redis);

/** Keys matching `pattern` on the test Redis (SCAN). */
async function countKeys(pattern: string): Promise<number> {
  return (await scanAll(redis, pattern)).length;
}

describe('ThreadPool in a real process', () => {
  it('a program that used a pool every way exits on its own after close()', async () => {
    const outcome = await runFixture('threads/pool-exits.ts', [], { killAfterMs: 30_000 });
    expect(outcome.stderr).toBe('');
    expect(outcome.stdout).toBe('done 1,4,9\n');
    expect(outcome.code).toBe(0);
  });

  it('idle threads do not keep a process alive, even without close()', async () => {
    const outcome = await runFixture('threads/pool-no-close.ts', [], { killAfterMs: 30_000 });
    expect(outcome.stderr).toBe('');
    expect(outcome.stdout).toBe('done 1,4,9\n');
    expect(outcome.code).toBe(0);
  });

  it('SIGTERM with the shutdown hooks drains pool.startNewThread tasks, then exits 143', async () => {
    const p = prefix();
    const outcome = await runFixture('threads/pool-background-writer.ts', [p, '40'], {
      on: { when: /fired/, then: (child) => child.kill('SIGTERM') },
    });
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(143);
    expect(await countKeys(`${p}*`)).toBe(40);
  });
});

describe('ThreadPool from the compiled dist/', () => {
  // Compiled as `npm run build` compiles (tsconfig.build.json), without the type check and the
  // declarations, inside the checkout so that its imports (piscina, ioredis) resolve.
  const out = fileURLToPath(new URL(`../../node_modules/.cache/popoto-ts-dist-test-${process.pid}/`, import.meta.url));
  beforeAll(async () => {
    await execFileAsync(
      process.execPath,
      [
        `${root}node_modules/typescript/bin/tsc`,
        '-p',
        `${root}tsconfig.build.json`,
        '--outDir',
        `${out}dist`,
        '--noCheck',
        '--declaration',
        'false',
        '--declarationMap',
        'false',
        '--sourceMap',
        'false',
      ],
      { cwd: root },
    );
    await mkdir(out, { recursive: true });
    await writeFile(`${out}package.json`, '{ "type": "module" }\n');
    await writeFile(`${out}square.js`, 'export default function square(n) { return n * n; }\n');
    await writeFile(
      `${out}make-pool.js`,
      [
        "import { ThreadPool } from './dist/concurrency/index.js';",
        'try {',
        '  await new ThreadPool(process.argv[2]).close();',
        "  process.stdout.write('made\\n');",
        '} catch (error) {',
        '  process.stdout.write(`${error.name}: ${error.message}\\n`);',
        '}',
      ].join('\n'),
    );
    await writeFile(
      `${out}program.js`,
      [
        "import { ThreadPool } from './dist/concurrency/index.js';",
        'const [tsModule] = process.argv.slice(2);',
        "const js = new ThreadPool(new URL('./square.js', import.meta.url), { maxThreads: 2 });",
        'const ts = new ThreadPool(tsModule, { maxThreads: 1 });',
        'const results = [await js.runAll([1, 2, 3]), await ts.runAll([4, 5])];',
        'await Promise.all([js.close(), ts.close()]);',
        "process.stdout.write(JSON.stringify(results) + '\\n');",
      ].join('\n'),
    );
  }, 120_000);
  afterAll(() => rm(out, { recursive: true, force: true }));

  it('refuses a TypeScript task module with no loader to be found, saying what to do', async () => {
    // Outside the checkout, where no tsx can be resolved from the module.
    const lonely = await mkdtemp(join(tmpdir(), 'popoto-ts-lonely-'));
    try {
      await writeFile(join(lonely, 'task.ts'), 'export default (n: number): number => n * n;\n');
      const url = pathToFileURL(join(lonely, 'task.ts')).href;
      const outcome = await runFixture(`${out}make-pool.js`, [url], { killAfterMs: 30_000 });
      expect(outcome.stderr).toBe('');
      // A Node that strips types itself needs no loader.
      expect(outcome.stdout).toBe(
        (process.features as { typescript?: unknown }).typescript
          ? 'made\n'
          : `TypeError: taskModuleUrl is a TypeScript file (${url}) and no TypeScript loader was found: ` +
              'install tsx beside it, or point the pool at compiled JavaScript\n',
      );
    } finally {
      await rm(lonely, { recursive: true, force: true });
    }
  });

  it('runs a JavaScript and a TypeScript task module with plain node, and exits on its own after close()', async () => {
    const tsModule = fileURLToPath(new URL('../fixtures/threads/square.ts', import.meta.url));
    const outcome = await runFixture(`${out}program.js`, [tsModule], { killAfterMs: 30_000 });
    expect(outcome.stderr).toBe('');
    expect(outcome.stdout).toBe('[[1,4,9],[16,25]]\n');
    expect(outcome.code).toBe(0);
  });
});
