// test tier: toolchain
// The API reference gate: `npm run docs:check` (part of `npm run lint`, so of CI) runs TypeDoc
// with the project's typedoc.json, where an exported function, class, interface, type, variable
// or method without a doc comment is an error. Here the same settings meet a module with one
// undocumented export, and must fail.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Application, ReflectionKind } from 'typedoc';
import { describe, expect, it } from 'vitest';

const execFileAsync = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('typedoc validation (the docs:check gate)', () => {
  it('fails on an export without a doc comment, naming it', async () => {
    const typedoc = `${ROOT}node_modules/typedoc/bin/typedoc`;
    const run = execFileAsync(
      process.execPath,
      [typedoc, '--emit', 'none', '--options', 'test/fixtures/typedoc/typedoc.json'],
      {
        cwd: ROOT,
      },
    );
    const error = await run.then(
      () => undefined,
      (e: unknown) => e as { code: number; stdout: string; stderr: string },
    );
    expect(error, 'typedoc passed a module with an undocumented export').toBeDefined();
    expect(error!.code).not.toBe(0);
    const output = error!.stdout + error!.stderr;
    expect(output).toMatch(
      /undocumented \(CallSignature\), defined in .*undocumented\.ts, does not have any documentation/,
    );
    expect(output).not.toMatch(/\bdocumented \(CallSignature\)/);
  });
});

describe('the API reference (typedoc.json)', () => {
  it('renders each export once: a page per subpath module, none for the root that re-exports them', async () => {
    const app = await Application.bootstrapWithPlugins({ options: `${ROOT}typedoc.json`, skipErrorChecking: true });
    const project = await app.convert();
    expect(project, 'typedoc could not convert the project').toBeDefined();
    const modules = (project!.children ?? []).map((module) => module.name).sort();
    expect(modules).toEqual(['models', 'pubsub', 'redis', 'utils/multithreading']);
    const homes = new Map<string, string[]>();
    for (const module of project!.children ?? []) {
      // A re-export of what another subpath declares (PopotoError) is a reference there: a link, not a second page.
      for (const child of module.children ?? []) {
        if (child.kind === ReflectionKind.Reference) continue;
        homes.set(child.name, [...(homes.get(child.name) ?? []), module.name]);
      }
    }
    expect(homes.size).toBeGreaterThan(100);
    expect([...homes].filter(([, where]) => where.length > 1)).toEqual([]);
  });
});
