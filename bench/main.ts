// `npm run bench`: runs the DESIGN §7 workloads side by side on one Redis and prints ops/s,
// ratios and whether each bar holds; writes the same report to bench-results/.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { resolveDefaultRedis } from '../src/redis/default-server.js';
import { redactUrl } from '../src/redis/url.js';
import { formatRate, type Bar, type Row, type Workload } from './harness.js';
import { bulkGet } from './workloads/bulk-get.js';
import { cpuThreads } from './workloads/cpu-threads.js';
import { mixedJob } from './workloads/mixed-job.js';
import { models } from './workloads/models.js';
import { publish } from './workloads/publish.js';
import { scan } from './workloads/scan.js';
import { seed } from './workloads/seed.js';

const workloads: Workload[] = [bulkGet, publish, scan, models, seed, cpuThreads, mixedJob];

const only = process.argv.slice(2);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const { url, embedded } = await resolveDefaultRedis();
const parsed = new URL(url);
const context = {
  url,
  host: parsed.hostname,
  port: Number(parsed.port || 6379),
  rounds,
  log: (message: string) => process.stderr.write(`  … ${message}\n`),
};

const rows: Row[] = [];
const bars: Bar[] = [];
const notes: string[] = [];
try {
  for (const workload of workloads) {
    if (only.length > 0 && !only.some((word) => workload.name.toLowerCase().includes(word.toLowerCase()))) continue;
    process.stderr.write(`${workload.name}\n`);
    const result = await workload.run(context);
    rows.push(...result.rows);
    bars.push(...result.bars);
    notes.push(...(result.notes ?? []));
  }
} finally {
  await embedded?.stop();
}

const table = [
  '| workload | contender | ops/s | note |',
  '| --- | --- | ---: | --- |',
  ...rows.map((r) => `| ${r.workload} | ${r.contender} | ${formatRate(r.opsPerSec)} | ${r.note ?? ''} |`),
];
const barLines = [
  '| workload | bar | ratio | required | holds |',
  '| --- | --- | ---: | --- | --- |',
  ...bars.map((b) => {
    const required = [b.min === undefined ? '' : `≥ ${b.min}`, b.max === undefined ? '' : `≤ ${b.max}`].join('').trim();
    const holds = (b.min === undefined || b.ratio >= b.min) && (b.max === undefined || b.ratio <= b.max);
    return `| ${b.workload} | ${b.description} | ${b.ratio.toFixed(2)} | ${required} | ${holds ? 'yes' : 'NO'} |`;
  }),
];
const header = `popoto-ts bench — ${new Date().toISOString()} — node ${process.version}, ${cpus().length} CPUs, median of ${rounds} rounds, Redis ${redactUrl(url)}`;
const report = [header, '', ...table, '', ...barLines, '', ...notes.map((n) => `- ${n}`), ''].join('\n');
process.stdout.write(`\n${report}`);
await mkdir('bench-results', { recursive: true });
await writeFile('bench-results/latest.md', report);
await writeFile('bench-results/latest.json', JSON.stringify({ header, rows, bars, notes }, null, 2));
if (bars.some((b) => (b.min !== undefined && b.ratio < b.min) || (b.max !== undefined && b.ratio > b.max))) {
  process.exitCode = 1;
}
