// popoto-ts as a user gets it: `npm pack`, unpacked into a fresh project's node_modules. Checks
// what the tarball holds, that its source maps resolve, that it loads with import and require()
// and type-checks in a consumer, that its command runs, and runs every example in examples/
// there, against real Redis, importing the package by its name.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNode, runTs } from '../helpers/child-process.js';
import { keysUnder, newRedis, redisUrl } from '../helpers/redis.js';
import { startEmbeddedRedis } from '../../src/redis/embedded-server.js';

const execFileAsync = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  engines: { node: string };
  bin: Record<string, string>;
};
const redis = newRedis();

let consumer: string;
let installed: string;
let files: string[];
let tarball: string;

beforeAll(async () => {
  // Inside node_modules/ of the checkout, so that the package's own dependencies (and tsx)
  // resolve from there, as they would from the consumer's node_modules after `npm install`.
  const cache = join(ROOT, 'node_modules', '.cache');
  await mkdir(cache, { recursive: true });
  consumer = await mkdtemp(join(cache, 'popoto-ts-consumer-'));
  // `npm pack` runs the prepack script (a clean build), as `npm publish` would.
  const { stdout } = await execFileAsync('npm', ['pack', '--json', '--pack-destination', consumer], {
    cwd: ROOT,
    maxBuffer: 16 << 20,
  });
  const [pack] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  files = pack!.files.map((f) => f.path).sort();
  tarball = join(consumer, pack!.filename);
  installed = join(consumer, 'node_modules', 'popoto-ts');
  await mkdir(installed, { recursive: true });
  await execFileAsync('tar', ['xzf', tarball, '-C', installed, '--strip-components=1']);
  await writeFile(join(consumer, 'package.json'), '{ "name": "consumer", "private": true, "type": "module" }\n');
  await cp(join(ROOT, 'examples'), join(consumer, 'examples'), { recursive: true });
  // The consumer's own tsconfig: the package's types, not the checkout's source paths.
  await writeFile(
    join(consumer, 'examples', 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
      },
      include: ['*.ts'],
    }),
  );
}, 120_000);

afterAll(async () => {
  if (consumer !== undefined) await rm(consumer, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('holds the build, its maps, the sources, the licence and the changelog, and nothing else', () => {
    for (const file of [
      'LICENSE',
      'README.md',
      'CHANGELOG.md',
      'package.json',
      'dist/index.js',
      'dist/index.js.map',
      'dist/index.d.ts',
      'dist/index.d.ts.map',
      'dist/cli/main.js',
      'src/index.ts',
    ]) {
      expect(files).toContain(file);
    }
    const tops = new Set(files.map((file) => file.split('/')[0]));
    expect([...tops].sort()).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'dist', 'package.json', 'src']);
  });

  it('has a declaration map beside every declaration file', () => {
    const declarations = files.filter((file) => file.startsWith('dist/') && file.endsWith('.d.ts'));
    expect(declarations.length).toBeGreaterThan(10);
    for (const file of declarations) expect(files).toContain(`${file}.map`);
  });

  it('every source map and declaration map points at sources that are in the package', async () => {
    const maps = files.filter((file) => file.endsWith('.map'));
    for (const map of maps) {
      const { sources } = JSON.parse(await readFile(join(installed, map), 'utf8')) as { sources: string[] };
      expect(sources.length).toBeGreaterThan(0);
      for (const source of sources) {
        expect(files, `${map} -> ${source}`).toContain(normalize(join(dirname(map), source)));
      }
    }
  });

  it('the tarball npm pack leaves in a checkout is ignored by git', async () => {
    const name = tarball.slice(tarball.lastIndexOf('/') + 1);
    expect(name).toMatch(/^popoto-ts-.*\.tgz$/);
    await expect(
      execFileAsync('git', ['check-ignore', '--no-index', '--quiet', name], { cwd: ROOT }),
    ).resolves.toBeDefined();
  });

  it('the licence is MIT, as package.json says', async () => {
    expect(await readFile(join(installed, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n/);
    expect(JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')).license).toBe('MIT');
  });
});

describe('in a consumer project', () => {
  it('runs on this Node, which the engines range admits', () => {
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
    expect(manifest.engines.node).toBe('^20.19.0 || >=22.12.0');
    expect((major === 20 && minor >= 19) || major > 22 || (major === 22 && minor >= 12)).toBe(true);
  });

  it('loads with import, every export path', async () => {
    const script = `
      const paths = ['popoto-ts', 'popoto-ts/utils/multithreading', 'popoto-ts/redis', 'popoto-ts/models', 'popoto-ts/pubsub'];
      const loaded = await Promise.all(paths.map((path) => import(path)));
      console.log(JSON.stringify(loaded.map((m) => Object.keys(m))));
      const { runAllMultithreaded } = loaded[0];
      console.log(JSON.stringify(await runAllMultithreaded((n) => n * 2, [1, 2, 3])));`;
    const outcome = await runNode(['--input-type=module', '-e', script], { cwd: consumer });
    expect(outcome.stderr).toBe('');
    const [names, doubled] = outcome.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(names[0]).toEqual(expect.arrayContaining(['runAllMultithreaded', 'defineModel', 'getMany', 'Publisher']));
    expect(names[1]).toEqual(expect.arrayContaining(['startNewThread', 'run_all_multithreaded']));
    expect(names[2]).toEqual(expect.arrayContaining(['connect', 'scanKeys', 'publishMany']));
    expect(names[3]).toEqual(expect.arrayContaining(['defineModel', 'KeyField', 'SortedField']));
    expect(names[4]).toEqual(expect.arrayContaining(['Publisher', 'Subscriber']));
    expect(doubled).toEqual([2, 4, 6]);
  });

  it('loads with require() from CommonJS (Node >= 20.19 / 22.12 load ES modules there)', async () => {
    const script = `
      const { runAllMultithreaded, startNewThread } = require('popoto-ts');
      const { defineModel } = require('popoto-ts/models');
      console.log(typeof runAllMultithreaded, typeof startNewThread, typeof defineModel);`;
    const outcome = await runNode(['--input-type=commonjs', '-e', script], { cwd: consumer });
    expect(outcome.stdout.trim()).toBe('function function function');
    expect(outcome.code).toBe(0);
  });

  it('type-checks the examples against the packed declarations (strict, NodeNext)', async () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    await expect(
      execFileAsync(process.execPath, [tsc, '-p', join(consumer, 'examples', 'tsconfig.json')], { cwd: consumer }),
    ).resolves.toBeDefined();
  });

  it('the popoto-ts command runs from the package (bin)', async () => {
    expect(manifest.bin).toEqual({ 'popoto-ts': './dist/cli/main.js' });
    const main = join(installed, 'dist', 'cli', 'main.js');
    expect((await readFile(main, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
    const outcome = await runNode([main, '--version'], { cwd: consumer });
    expect(outcome.stdout).toBe(`${manifest.version}\n`);
  });
});

describe("the README's quick start", () => {
  it('runs as pasted in an `npm init -y` project with `npx tsx`, and touches nothing it did not make', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const snippet = await readmeQuickStart();
    expect(
      snippet
        .trimEnd()
        .split('\n')
        .filter((line) => line.trim() !== '').length,
    ).toBeLessThanOrEqual(14);
    for (const name of ['runAllMultithreaded', 'startNewThread', 'defineModel']) expect(snippet).toContain(name);
    expect(readme).toContain('run `npx tsx quickstart.mts`');
    // Never all()-and-delete: a shared Redis may hold records of the same model that are not its own.
    expect(snippet).not.toMatch(/\.all\(/);

    // A project as `npm init -y` makes it ("type": "commonjs" with npm 11), the package unpacked
    // into it as `npm install <tarball>` would put it.
    const project = await mkdtemp(join(ROOT, 'node_modules', '.cache', 'popoto-ts-quick-start-'));
    const server = await startEmbeddedRedis();
    const check = new Redis(server.url);
    try {
      await execFileAsync('npm', ['init', '-y'], { cwd: project });
      await mkdir(join(project, 'node_modules', 'popoto-ts'), { recursive: true });
      await execFileAsync('tar', [
        'xzf',
        tarball,
        '-C',
        join(project, 'node_modules', 'popoto-ts'),
        '--strip-components=1',
      ]);
      await writeFile(join(project, 'quickstart.mts'), snippet);

      // Someone else's User record, as Python Popoto stores it, in the Redis the snippet uses.
      await check.hset('User:1', 'id', Buffer.from('a131', 'hex'), 'name', Buffer.from('a3416e6e', 'hex'));
      await check.sadd('$Class:User', 'User:1');
      await check.sadd('$KeyF:User:id:1', 'User:1');
      await check.zadd('$SortF:User:level', 3, 'User:1');
      const before = await snapshot(check);

      // `npx tsx quickstart.mts`: npx runs the tsx command, here the checkout's.
      const tsx = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
      const outcome = await runNode([tsx, 'quickstart.mts'], { cwd: project, env: { REDIS_URL: server.url } });
      expect(outcome.stderr).toBe('');
      expect(outcome.code).toBe(0);
      expect(outcome.stdout).toBe("[ 'user 1', 'user 2', 'user 3' ] 100\n");
      expect(snippet).toContain("// [ 'user 1', 'user 2', 'user 3' ] 100");
      // The foreign record and its index entries are untouched, and nothing else is left.
      expect(await snapshot(check)).toEqual(before);

      // It type-checks with `tsc --strict --module nodenext`, without skipLibCheck, against every
      // @types/node from 20 to the latest: the declarations test below compiles it with each.
    } finally {
      check.disconnect();
      await server.stop();
      await rm(project, { recursive: true, force: true });
    }
  });
});

describe("the README's `await using` block", () => {
  it('runs in the consumer project with tsx on this Node, prints what its comment says and exits by itself', async () => {
    const snippet = await readmeBlock('await-using');
    await writeFile(join(consumer, 'await-using.mts'), snippet);
    const server = await startEmbeddedRedis();
    try {
      const tsx = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
      // A hang (something left open) is killed at 25 s and fails here on the signal.
      const outcome = await runNode([tsx, 'await-using.mts'], { cwd: consumer, env: { REDIS_URL: server.url } });
      expect(outcome.stderr).toBe('');
      expect(outcome.signal).toBeNull();
      expect(outcome.code).toBe(0);
      expect(outcome.stdout).toBe('1 [ 2, 4, 6 ]\n');
      expect(snippet).toContain('// 1 [ 2, 4, 6 ]');
    } finally {
      await server.stop();
    }
  });
});

describe('the packed declarations, against @types/node 20, 22, 24 and the latest', () => {
  // A consumer's `npm install -D @types/node` gets the latest major; our .d.ts files must compile
  // with it and with the majors of the Node versions we support, under `tsc --strict --module
  // nodenext` without skipLibCheck. Each major is a development dependency of its own
  // (`@types/node` is 20; `types-node-22`, `types-node-24` and `types-node-latest` are npm aliases),
  // so `npm ci` installs them and the test itself needs no network.
  // One compile at a time, each with a bound sized for a whole-package compile on a loaded
  // 2-core machine (about 30 s there, 10 s quiet): four at once under the default 60 s bound
  // timed out under load.
  beforeAll(async () => {
    await writeFile(join(consumer, 'quickstart.mts'), await readmeQuickStart());
    await writeFile(join(consumer, 'await-using.mts'), await readmeBlock('await-using'));
  });

  const majors: [label: string, installedAs: string][] = [
    ['20', '@types/node'],
    ['22', 'types-node-22'],
    ['24', 'types-node-24'],
    ['latest', 'types-node-latest'],
  ];
  it.for(majors)('@types/node@%s', { timeout: 240_000 }, async ([label, installedAs]) => {
    const source = join(ROOT, 'node_modules', installedAs);
    const { version } = JSON.parse(await readFile(join(source, 'package.json'), 'utf8')) as { version: string };
    if (label !== 'latest') expect(version.split('.')[0]).toBe(label);
    else expect(Number(version.split('.')[0])).toBeGreaterThanOrEqual(26);
    // tsc finds `--types node` as <typeRoot>/node: a type root of its own links that name to this major.
    const typeRoot = await mkdtemp(join(ROOT, 'node_modules', '.cache', `popoto-ts-types-node-${label}-`));
    try {
      await symlink(source, join(typeRoot, 'node'), 'dir');
      const declarations = files.filter((file) => file.startsWith('dist/') && file.endsWith('.d.ts'));
      const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
      const args = ['--ignoreConfig', '--strict', '--module', 'nodenext', '--noEmit', '--typeRoots', typeRoot];
      const roots = ['quickstart.mts', 'await-using.mts', ...declarations.map((file) => join(installed, file))];
      const outcome = await execFileAsync(process.execPath, [tsc, ...args, '--types', 'node', ...roots], {
        cwd: consumer,
      }).then(
        () => '',
        (error: unknown) => (error as { stdout: string }).stdout,
      );
      expect(outcome, `tsc with @types/node ${version}`).toBe('');
    } finally {
      await rm(typeRoot, { recursive: true, force: true });
    }
  });
});

/** The README's quick-start block. */
function readmeQuickStart(): Promise<string> {
  return readmeBlock('quick-start');
}

/** The README's code block marked `<!-- name: ... -->`. */
async function readmeBlock(name: string): Promise<string> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const snippet = new RegExp(`<!-- ${name}:[^\\n]*-->\\n\\n\`\`\`ts\\n([\\s\\S]*?)\`\`\``).exec(readme)?.[1];
  expect(snippet, `no ${name} block in the README`).toBeDefined();
  return snippet!;
}

/** Every key of a private server with its type, value and TTL, to compare before and after. */
async function snapshot(client: Redis): Promise<Record<string, [string, string | null, number]>> {
  const out: Record<string, [string, string | null, number]> = {};
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const dump = await client.dumpBuffer(key);
      out[key] = [await client.type(key), dump === null ? null : dump.toString('hex'), await client.pttl(key)];
    }
  } while (cursor !== '0');
  return out;
}

describe('examples/, run in the consumer project against real Redis', () => {
  it('lists one example per pattern (and the helper they share)', async () => {
    expect((await readdir(join(ROOT, 'examples'))).filter((f) => f.endsWith('.ts')).sort()).toEqual([
      'background-saves.ts',
      'bulk-queries.ts',
      'concurrent-publishing.ts',
      'scratch.ts',
      'thread-pool-task.ts',
      'thread-pool.ts',
    ]);
  });

  it.each([
    [
      'background-saves',
      [
        /^answered 1000 checkouts in \d+ ms; saves still running$/m,
        /^background saves: 1000 completed, 0 failed$/m,
        /^orders in Redis: 1000$/m,
        /^orders over 50: 180$/m,
      ],
    ],
    [
      'bulk-queries',
      [
        /^sessions and carts: 700 keys, 700 values$/m,
        /^per pattern: user: 200, session: 600, cart: 100$/m,
        /^fetched 200 users in order: user 1 \.\.\. user 200$/m,
      ],
    ],
    ['concurrent-publishing', [/^published 3001 messages, received 3001$/m]],
    [
      'thread-pool',
      [
        /^indicators for 400 series on \d+ threads, in input order$/m,
        /^SYM0: sma20 48\.9449, sma200 48\.9982, volatility 0\.1123$/m,
        /^written back: 400$/m,
      ],
    ],
  ])('%s imports popoto-ts by name, prints what it did, cleans up and exits by itself', async (name, expected) => {
    const source = await readFile(join(ROOT, 'examples', `${name}.ts`), 'utf8');
    expect(source).toMatch(/from 'popoto-ts(\/[a-z/]+)?';/);
    expect(source).not.toMatch(/from '\.\.?\/(?!scratch\.js')/);
    // No exit() call: the example ends because nothing is left to do (a hang is killed at 25 s).
    expect(source).not.toContain('process.exit');
    const outcome = await runTs(join(consumer, 'examples', `${name}.ts`).slice(ROOT.length), [], {
      cwd: consumer,
      env: { REDIS_URL: redisUrl() },
    });
    expect(outcome.stderr).toBe('');
    expect(outcome.signal).toBeNull();
    expect(outcome.code).toBe(0);
    for (const line of expected) expect(outcome.stdout).toMatch(line);
    const prefix = /^writing under (\S+) \(deleted at the end\)$/m.exec(outcome.stdout)![1]!;
    expect(prefix).toMatch(new RegExp(`^popoto-example:${name}:[0-9a-f]{8}:$`));
    expect(outcome.stdout).toMatch(new RegExp(`^deleted \\d+ keys under ${prefix}$`, 'm'));
    expect(await keysUnder(redis, prefix)).toEqual([]);
  });
});
