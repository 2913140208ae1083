// test tier: unit
// @startNewThread as a method decorator under both TypeScript decorator settings: the standard
// (stage 3) decorators and `experimentalDecorators` (legacy, as NestJS projects have on). The
// same fixture is compiled by the TypeScript compiler under each setting, then run (the calls
// TypeScript makes to a legacy decorator are checked without a compiler in legacy-decorator.test.ts).
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const execFileAsync = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Parsed source files shared by both compiles: the two settings parse every file (the fixture,
 * src/, @types/node, lib.d.ts) alike, and only type checking and emit depend on the decorator
 * setting, so the second program does not parse them again.
 */
const sourceFiles = new Map<string, ts.SourceFile | undefined>();

/** Compiles the fixture under one tsconfig as `tsc -p` does; rejects with the diagnostics on any, TS1241 included. */
function compile(mode: 'standard' | 'legacy'): void {
  const configPath = `${ROOT}test/fixtures/decorators/tsconfig.${mode}.json`;
  const diagnostics: ts.Diagnostic[] = [];
  const parsed = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => diagnostics.push(diagnostic),
    },
  );
  if (parsed === undefined) throw new Error(ts.formatDiagnostics(diagnostics, formatHost));
  const host = ts.createCompilerHost(parsed.options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    const key = `${JSON.stringify(languageVersion)}:${fileName}`;
    if (!sourceFiles.has(key)) sourceFiles.set(key, getSourceFile(fileName, languageVersion, ...rest));
    return sourceFiles.get(key);
  };
  const program = ts.createProgram({
    rootNames: parsed.fileNames,
    options: parsed.options,
    host,
    configFileParsingDiagnostics: parsed.errors,
  });
  const emitted = program.emit();
  diagnostics.push(...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics);
  if (diagnostics.length > 0 || emitted.emitSkipped) {
    throw new Error(`tsc -p ${configPath} failed:\n${ts.formatDiagnostics(diagnostics, formatHost)}`);
  }
}

const formatHost: ts.FormatDiagnosticsHost = {
  getCanonicalFileName: (fileName) => fileName,
  getCurrentDirectory: () => ROOT,
  getNewLine: () => '\n',
};

async function compileAndRun(mode: 'standard' | 'legacy'): Promise<unknown> {
  compile(mode);
  const outDir = `${ROOT}node_modules/.cache/popoto-ts-decorators/${mode}`;
  await mkdir(outDir, { recursive: true });
  await writeFile(`${outDir}/package.json`, '{ "type": "module" }\n');
  const { stdout } = await execFileAsync(process.execPath, [`${outDir}/test/fixtures/decorators/notifier.js`], {
    cwd: ROOT,
  });
  return JSON.parse(stdout);
}

const expected = {
  returned: 'undefined',
  loggedBeforeReturning: [],
  log: ['static Notifier', 'n:updates:saved'],
  errors: ['Notifier.fail: decorated failure'],
  drained: { completed: 2, failed: 1, pending: 0 },
};

describe('@startNewThread compiled by tsc', () => {
  it('works under standard decorators (instance and static methods, errors named Class.method)', async () => {
    expect(await compileAndRun('standard')).toEqual(expected);
  });

  it('works under experimentalDecorators with emitDecoratorMetadata (no TS1241)', async () => {
    expect(await compileAndRun('legacy')).toEqual(expected);
  });
});
