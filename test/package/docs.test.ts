// test tier: unit
// The API reference gate: `npm run docs:check` (part of `npm run lint`, so of CI) runs TypeDoc
// with the project's typedoc.json, where an exported function, class, interface, type, variable
// or method without a doc comment is an error. Here the same settings meet a module with one
// undocumented export, and must fail.
import { fileURLToPath } from 'node:url';
import { Application, Logger, LogLevel, ReflectionKind } from 'typedoc';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Keeps what TypeDoc logs, as its command line would print it. */
class KeptLog extends Logger {
  readonly lines: string[] = [];
  override log(message: string, level: LogLevel): void {
    super.log(message, level);
    this.lines.push(`[${LogLevel[level]}] ${message}`);
  }
}

describe('typedoc validation (the docs:check gate)', () => {
  // In-process, as `typedoc --emit none` runs it (convert, then validate): the same options and
  // checks without a second Node and TypeDoc start-up.
  it('fails on an export without a doc comment, naming it', async () => {
    const app = await Application.bootstrapWithPlugins({ options: `${ROOT}test/fixtures/typedoc/typedoc.json` });
    const log = new KeptLog();
    app.logger = log;
    const project = await app.convert();
    expect(project, 'typedoc could not convert the fixture').toBeDefined();
    app.validate(project!);
    const output = log.lines.join('\n');
    // What makes the command fail on it: a validation warning, which the settings make an error.
    expect(app.options.getValue('treatValidationWarningsAsErrors')).toBe(true);
    expect(log.validationWarningCount, 'typedoc passed a module with an undocumented export').toBeGreaterThan(0);
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
