// The one way a benchmark figure gets into README.md or docs/*.md: a region
//   <!-- figures:NAME -->
//   ...
//   <!-- /figures -->
// whose body is rendered here from a bench result (bench/report/report.json). `npm run bench`
// rewrites the regions after a full run, `npm run docs:figures` from the committed report, and
// test/bench/doc-figures.test.ts fails when a region differs from the report or a figure appears
// outside one, so the prose can never contradict the report.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatRate, type Bar, type Row } from './harness.js';
import { holds, sideOf, type BenchResult } from './report.js';

type Renderer = (result: BenchResult) => string[];

const REGION = /(<!-- figures:([a-z-]+) -->\n)[\s\S]*?(<!-- \/figures -->)/g;

/** Where a bar's workload name starts with one of these, it belongs to the worker-thread figures. */
const THREAD_WORKLOADS = ['CPU-bound', 'CPU tasks', 'mixed job'];

const ratio = (bar: Bar): string => {
  const required = [bar.min === undefined ? '' : `≥ ${bar.min}`, bar.max === undefined ? '' : `≤ ${bar.max}`]
    .join(' ')
    .trim();
  return `**${bar.ratio.toFixed(2)}** (bar ${required}: ${holds(bar) ? 'holds' : 'missed'})`;
};

const barLines = (bars: Bar[]): string[] => bars.map((bar) => `- ${bar.workload}: ${bar.description} = ${ratio(bar)}`);

const rowLine = (row: Row, unit: string): string =>
  `${sideOf(row)}, ${row.contender}: **${formatRate(row.opsPerSec)}** ${unit}`;

const missing = (what: string): string[] => [`- (${what}: not in this report; run the full \`npm run bench\`)`];

/** The renderers, by region name. Each returns the region's lines. */
export const FIGURE_BLOCKS: Readonly<Record<string, Renderer>> = {
  /** When and where the report was measured. */
  run: (result) => [`Measured: ${result.header.replace(/^popoto-ts bench — /, '')}.`],

  /** Model reads: Python Popoto 0.8.3 against popoto-ts, same run, same Redis. */
  'python-reads': (result) => {
    const python = result.python[0];
    const own = result.rows.filter((row) => row.workload === python?.workload && sideOf(row) === 'popoto-ts');
    if (python === undefined || own.length === 0) return missing('model reads');
    return [
      `- Python Popoto, ${python.contender.replace(/^Python Popoto [\d.]+: /, '')}: **${formatRate(python.opsPerSec)}** records/s`,
      ...own.map((row) => `- ${rowLine(row, 'records/s')}`),
    ];
  },

  /** Every bar of the run. */
  bars: (result) => (result.bars.length === 0 ? missing('bars') : barLines(result.bars)),

  /** The concurrency sweeps behind the default concurrency. */
  'concurrency-sweeps': (result) => {
    const sweeps = result.notes.filter((note) => /concurrency sweep/.test(note) && !/ThreadPool/.test(note));
    const bars = result.bars.filter((bar) => /best fixed/.test(bar.description));
    if (sweeps.length === 0) return missing('concurrency sweeps');
    return [...sweeps.map((note) => `- ${note}`), ...barLines(bars)];
  },

  /** CPU-bound work and the mixed job: ThreadPool against the main thread and piscina. */
  threads: (result) => {
    const within = (workload: string): boolean => THREAD_WORKLOADS.some((prefix) => workload.startsWith(prefix));
    const rows = result.rows.filter((row) => within(row.workload));
    const notes = result.notes.filter((note) => /ThreadPool/.test(note));
    if (rows.length === 0) return missing('worker-thread workloads');
    return [
      ...rows.map(
        (row) => `- ${row.workload}, ${rowLine(row, /records/.test(row.workload) ? 'records/s' : 'tasks/s')}`,
      ),
      ...barLines(result.bars.filter((bar) => within(bar.workload))),
      ...notes.map((note) => `- ${note}`),
    ];
  },

  /** Streaming memory and the background drain, for the reliability guide. */
  load: (result) => {
    const rows = result.rows.filter((row) => /streamed|background tasks/.test(row.workload));
    if (rows.length === 0) return missing('streaming and background rows');
    return [
      ...rows.map(
        (row) => `- ${row.workload}, ${rowLine(row, 'items/s')}${row.note === undefined ? '' : ` (${row.note})`}`,
      ),
      ...barLines(result.bars.filter((bar) => /streamed|background tasks/.test(bar.workload))),
    ];
  },
};

/** The guides' line limit: a list item longer than this goes on over indented lines. */
const WIDTH = 120;

/** `line` broken between words into lines of at most WIDTH characters (a list item's go on indented). */
function wrap(line: string): string[] {
  const indent = line.startsWith('- ') ? '  ' : '';
  const lines: string[] = [];
  let current = '';
  for (const word of line.split(' ')) {
    if (current !== '' && current.length + 1 + word.length > WIDTH) {
      lines.push(current);
      current = indent + word;
    } else {
      current = current === '' ? word : `${current} ${word}`;
    }
  }
  return [...lines, current];
}

/** `text` with every figures region rendered from `result`. An unknown region name is an error. */
export function renderFigureRegions(text: string, result: BenchResult): string {
  return text.replace(REGION, (_whole, open: string, name: string, close: string) => {
    const render = FIGURE_BLOCKS[name];
    if (render === undefined) throw new RangeError(`unknown figures region "${name}"`);
    return `${open}\n${render(result).flatMap(wrap).join('\n')}\n\n${close}`;
  });
}

/** `text` without its figures regions: what may hold no figure. */
export function withoutFigureRegions(text: string): string {
  return text.replace(REGION, '');
}

/** README.md and every guide in docs/, relative to `root`. */
export async function documentFiles(root: string): Promise<string[]> {
  const guides = (await readdir(join(root, 'docs'))).filter((name) => name.endsWith('.md')).sort();
  return ['README.md', ...guides.map((name) => join('docs', name))];
}

/** Rewrites the figures regions of README.md and docs/*.md from `result`; returns the files changed. */
export async function updateDocumentFigures(root: string, result: BenchResult): Promise<string[]> {
  const changed: string[] = [];
  for (const file of await documentFiles(root)) {
    const text = await readFile(join(root, file), 'utf8');
    const rendered = renderFigureRegions(text, result);
    if (rendered === text) continue;
    await writeFile(join(root, file), rendered);
    changed.push(file);
  }
  return changed;
}
