// The bench report: report.md (tables), report.json (the same data) and chart.svg (throughput of
// popoto-ts against each peer per workload, and against the Python original where its figure is
// known), drawn with Vega-Lite and rendered to SVG by Vega in Node: no browser, no canvas.
import { compile, type TopLevelSpec } from 'vega-lite';
import { parse, View } from 'vega';
import { formatRate, type Bar, type Row, type Side } from './harness.js';

/** A figure of Python Popoto, the original, to set beside a workload's rows. */
export interface PythonFigure {
  workload: string;
  contender: string;
  opsPerSec: number;
  /** Where the figure comes from: measured in this run, or how and when it was measured. */
  source: string;
}

/** Everything a run produced. */
export interface BenchResult {
  header: string;
  rows: Row[];
  bars: Bar[];
  notes: string[];
  python: PythonFigure[];
}

// The public API's entry points: a row whose contender starts with one of them measures popoto-ts.
const OWN =
  /^(runAllMultithreaded|streamAllMultithreaded|startNewThread|getMany|setMany|deleteMany|publishMany|scanKeys|query\.|save\b|ThreadPool|pool\.|Publisher|Subscriber)/;

/** The side of a row: its own `side` if it says, else popoto-ts when it names one of popoto-ts's functions. */
export function sideOf(row: Row): Side {
  return row.side ?? (OWN.test(row.contender) ? 'popoto-ts' : 'peer');
}

/** Whether a bar holds. */
export function holds(bar: Bar): boolean {
  return (bar.min === undefined || bar.ratio >= bar.min) && (bar.max === undefined || bar.ratio <= bar.max);
}

/** report.md: the run, every row with its side, the bars, the Python figures and the notes. */
export function renderMarkdown(result: BenchResult): string {
  const rows = [
    '| workload | contender | side | ops/s | note |',
    '| --- | --- | --- | ---: | --- |',
    ...result.rows.map(
      (r) => `| ${r.workload} | ${r.contender} | ${sideOf(r)} | ${formatRate(r.opsPerSec)} | ${r.note ?? ''} |`,
    ),
    ...result.python.map(
      (p) => `| ${p.workload} | ${p.contender} | Python Popoto | ${formatRate(p.opsPerSec)} | ${p.source} |`,
    ),
  ];
  const bars = [
    '| workload | bar | ratio | required | holds |',
    '| --- | --- | ---: | --- | --- |',
    ...result.bars.map((b) => {
      const required = [b.min === undefined ? '' : `≥ ${b.min}`, b.max === undefined ? '' : `≤ ${b.max}`]
        .join(' ')
        .trim();
      return `| ${b.workload} | ${b.description} | ${b.ratio.toFixed(2)} | ${required} | ${holds(b) ? 'yes' : 'NO'} |`;
    }),
  ];
  return [
    '# popoto-ts bench report',
    '',
    result.header,
    '',
    '![throughput of popoto-ts and its peers, per workload](chart.svg)',
    '',
    ...rows,
    '',
    ...(result.bars.length > 0 ? [...bars, ''] : []),
    ...result.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}

/** The chart as a Vega-Lite spec: one panel per workload, a bar per contender, coloured by side, log scale. */
export function chartSpec(result: BenchResult): TopLevelSpec {
  const values = [
    ...result.rows.map((r) => ({
      workload: r.workload,
      contender: r.contender,
      side: sideOf(r),
      opsPerSec: r.opsPerSec,
    })),
    ...result.python
      .filter((p) => result.rows.some((r) => r.workload === p.workload))
      .map((p) => ({ workload: p.workload, contender: p.contender, side: 'Python Popoto', opsPerSec: p.opsPerSec })),
  ].filter((v) => v.opsPerSec > 0);
  const workloads = [...new Set(values.map((v) => v.workload))];
  // Whole powers of ten around the figures, with room on the right for the value labels.
  const rates = values.map((v) => v.opsPerSec);
  const domain = [
    10 ** Math.floor(Math.log10(Math.min(...rates, 1e3))),
    10 ** Math.ceil(Math.log10(Math.max(...rates, 1e3) * 3)),
  ];
  const panel = (workload: string) => ({
    title: { text: workload, anchor: 'start' as const, fontSize: 12 },
    transform: [{ filter: { field: 'workload', equal: workload } }],
    width: 420,
    encoding: {
      y: { field: 'contender', type: 'nominal' as const, sort: null, title: null, axis: { labelLimit: 640 } },
      x: {
        field: 'opsPerSec',
        type: 'quantitative' as const,
        scale: { type: 'log' as const, domain },
        title: 'ops/s (log scale)',
      },
    },
    layer: [
      {
        mark: { type: 'bar' as const, height: { band: 0.8 } },
        encoding: {
          // A log scale has no zero: bars start at the panel's left edge.
          x2: { datum: domain[0] },
          color: {
            field: 'side',
            type: 'nominal' as const,
            title: null,
            scale: { domain: ['popoto-ts', 'peer', 'Python Popoto'], range: ['#2f6fb0', '#a0a0a0', '#e0a030'] },
            legend: { orient: 'top' as const },
          },
        },
      },
      {
        mark: { type: 'text' as const, align: 'left' as const, dx: 4, fontSize: 10 },
        encoding: { text: { field: 'opsPerSec', type: 'quantitative' as const, format: ',.0f' } },
      },
    ],
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'popoto-ts against its peers: throughput per workload', anchor: 'start' },
    data: { values },
    vconcat: workloads.map(panel),
    resolve: { scale: { x: 'shared', color: 'shared' }, legend: { color: 'shared' } },
    config: { font: 'sans-serif', view: { stroke: null } },
  };
}

/** Renders the chart to an SVG document, headless (Vega's 'none' renderer: no DOM, no canvas). */
export async function renderChart(result: BenchResult): Promise<string> {
  const { spec } = compile(chartSpec(result));
  const view = new View(parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
