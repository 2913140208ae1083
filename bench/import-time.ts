// How long importing popoto-ts takes, entry point by entry point, from the built dist/ (run
// `npm run build` first). Each import runs in a fresh `node`, RUNS times, the entry points
// interleaved so that a noisy moment spreads over all of them; prints the median and spread of
// the import itself and of the whole process, and the npm packages each import loads. Writes
// bench/report/import-time.md (or BENCH_OUT).
//   npm run build && tsc -p tsconfig.bench.json && node .bench-build/bench/import-time.js [runs]
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageEntryPoints, packagesIn, probeImport, type ImportProbe } from './import-probe.js';

const ROOT = fileURLToPath(
  new URL(existsSync(new URL('../package.json', import.meta.url)) ? '../' : '../../', import.meta.url),
);

const ENTRIES = packageEntryPoints(ROOT);

const runs = Number(process.argv[2] ?? 20);
if (!Number.isInteger(runs) || runs < 1)
  throw new RangeError(`runs must be a positive integer, got ${process.argv[2]}`);
for (const file of Object.values(ENTRIES)) {
  if (!existsSync(ROOT + file)) throw new Error(`${ROOT + file} is missing: run \`npm run build\` first`);
}

// A baseline: a fresh node importing an empty module, so that the wall times can be read
// as start-up + import.
const baseline = 'data:text/javascript,export{}';
const samples = new Map<string, ImportProbe[]>([
  [baseline, []],
  ...Object.keys(ENTRIES).map((n) => [n, []] as [string, ImportProbe[]]),
]);
for (let round = 0; round < runs; round++) {
  for (const name of samples.keys()) {
    const target = name === baseline ? baseline : ROOT + ENTRIES[name]!;
    samples.get(name)!.push(await probeImport(target));
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const fmt = (values: number[]): string =>
  `${median(values).toFixed(1)} ms (min ${Math.min(...values).toFixed(1)}, max ${Math.max(...values).toFixed(1)})`;

let table =
  '| entry point | import (median) | process wall time (median) | npm packages loaded |\n| --- | --- | --- | --- |\n';
for (const [name, probes] of samples) {
  const target = name === baseline ? baseline : ROOT + ENTRIES[name]!;
  const { modules } = await probeImport(target, { listModules: true });
  const label = name === baseline ? '(nothing: node start-up)' : `\`${name}\``;
  const packages = packagesIn(modules).join(', ') || '—';
  table += `| ${label} | ${fmt(probes.map((p) => p.importMs))} | ${fmt(probes.map((p) => p.wallMs))} | ${packages} (${modules.length} files) |\n`;
}
process.stdout.write(table);
// Figures live in bench/report (docs link to them); BENCH_OUT writes elsewhere, for a trial run.
const out = process.env.BENCH_OUT ?? join(ROOT, 'bench/report');
await mkdir(out, { recursive: true });
await writeFile(
  join(out, 'import-time.md'),
  `# What importing popoto-ts costs\n\n\`node .bench-build/bench/import-time.js ${runs}\`, ${new Date().toISOString()}, ` +
    `node ${process.version}, ${runs} fresh processes per entry point, from dist/\n\n${table}`,
);
