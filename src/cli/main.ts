#!/usr/bin/env node
// The popoto-ts command. Exit codes: 0 done, 1 failed, 2 usage error (one line on stderr),
// 130/143 interrupted (the demo deletes what it wrote first).
import { readFileSync } from 'node:fs';
import { parseCommandLine, UsageError } from './args.js';
import type { DemoResult } from './demo.js';
import { renderTable } from './table.js';

/** The version in package.json (one level above both src/ and dist/). */
function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

/** The demo's closing table: step, items, seconds, items/s, speed-up. */
export function demoTable(result: DemoResult): string {
  const rows = result.steps.map((s) => [
    s.step,
    s.items,
    s.seconds.toFixed(2),
    s.itemsPerSecond,
    s.mode === 'sequential' ? '1.0×' : `${s.speedUp.toFixed(1)}×`,
  ]);
  return renderTable(['step', 'items', 'seconds', 'items/s', 'speed-up'], rows, [2, 4]);
}

async function main(argv: string[]): Promise<number> {
  const invocation = parseCommandLine(argv);
  switch (invocation.command) {
    case 'help':
      process.stdout.write(invocation.text);
      return 0;
    case 'version':
      process.stdout.write(`${version()}\n`);
      return 0;
    // Loaded only when needed: help, version and usage errors answer without loading the Redis client.
    case 'doctor': {
      const { formatDoctor, runDoctor } = await import('./doctor.js');
      const result = await runDoctor();
      process.stdout.write(invocation.json ? `${JSON.stringify({ ...result, error: null })}\n` : formatDoctor(result));
      return 0;
    }
    case 'demo': {
      const { runDemo } = await import('./demo.js');
      const out = invocation.json ? process.stderr : process.stdout;
      const result = await runDemo({ records: invocation.records, say: (line) => out.write(`${line}\n`) });
      process.stdout.write(invocation.json ? `${JSON.stringify(result)}\n` : `\n${demoTable(result)}\n`);
      return 0;
    }
  }
}

const argv = process.argv.slice(2);
// `doctor --json` is read by scripts: whatever happens, stdout holds one JSON object.
const jsonDoctor = argv[0] === 'doctor' && argv.includes('--json');

main(argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // One line: connection errors name the target with its password redacted.
    const message = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
    process.stderr.write(`popoto-ts: ${message}\n`);
    if (jsonDoctor) process.stdout.write(`${JSON.stringify({ error: message })}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
