// `npm run docs:figures`: renders the figures regions of README.md and docs/*.md from the
// committed report, bench/report/report.json (see doc-figures.ts).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { updateDocumentFigures } from './doc-figures.js';
import type { BenchResult } from './report.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const result = JSON.parse(await readFile(`${ROOT}bench/report/report.json`, 'utf8')) as BenchResult;
const changed = await updateDocumentFigures(ROOT, result);
process.stdout.write(changed.length === 0 ? 'figures already match the report\n' : `updated: ${changed.join(', ')}\n`);
