// `npm run bench`: runs the workloads side by side on one Redis and prints ops/s, ratios and
// whether each bar holds; writes report.md, report.json and chart.svg to bench/report/ (or
// BENCH_OUT), and after a full run the figures of README.md and docs/ (doc-figures.ts). Words on
// the command line select workloads; BENCH_ROUNDS sets the rounds.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { resolveDefaultRedis } from '../src/redis/default-server.js';
import { redactUrl } from '../src/redis/url.js';
import { Redis } from 'ioredis';
import { deleteOnInterrupt, KeyNamespace } from '../src/cli/key-namespace.js';
import { join } from 'node:path';
import { type Bar, type BenchContext, type Row, type Workload } from './harness.js';
import { pythonFigure, PYTHON_WORKLOAD } from './python-popoto.js';
import { updateDocumentFigures } from './doc-figures.js';
import { holds, renderChart, renderMarkdown, type BenchResult, type PythonFigure } from './report.js';
import { bulkGet } from './workloads/bulk-get.js';
import { cpuGrains } from './workloads/cpu-grains.js';
import { cpuThreads } from './workloads/cpu-threads.js';
import { mixedJob } from './workloads/mixed-job.js';
import { filterIn } from './workloads/filter-in.js';
import { models } from './workloads/models.js';
import { parity } from './workloads/parity.js';
import { publish } from './workloads/publish.js';
import { scan } from './workloads/scan.js';
import { seed } from './workloads/seed.js';
import { shardedPublish } from './workloads/sharded-publish.js';
import { clusterGet } from './workloads/cluster-get.js';

const workloads: Workload[] = [
  bulkGet,
  clusterGet,
  publish,
  shardedPublish,
  scan,
  models,
  filterIn,
  parity,
  seed,
  cpuThreads,
  cpuGrains,
  mixedJob,
];

const only = process.argv.slice(2);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const { url, embedded } = await resolveDefaultRedis();
const parsed = new URL(url);
// Every key the bench writes lives under one fresh prefix; it deletes them, and only them, at
// the end and on Ctrl-C (after closing the connections that write, so that none lands later).
const keys = new KeyNamespace('popoto-bench');
const clients = new Set<Redis>();
const interruption = deleteOnInterrupt({
  namespace: keys,
  cleaner: () => new Redis(url),
  stopWriting: () => clients.forEach((client) => client.disconnect()),
  finally: async () => embedded?.stop(),
});
const context: BenchContext = {
  url,
  host: parsed.hostname,
  port: Number(parsed.port || 6379),
  rounds,
  namespace: keys.prefix,
  client: (options) => {
    const client = new Redis(url, { enableAutoPipelining: true, ...options });
    clients.add(client);
    client.once('end', () => clients.delete(client));
    return client;
  },
  log: (message: string) => process.stderr.write(`  … ${message}\n`),
};
process.stderr.write(`writing under ${keys.prefix} (deleted at the end, and on Ctrl-C)\n`);

const rows: Row[] = [];
const bars: Bar[] = [];
const notes: string[] = [];
const python: PythonFigure[] = [];
try {
  for (const workload of workloads) {
    if (only.length > 0 && !only.some((word) => workload.name.toLowerCase().includes(word.toLowerCase()))) continue;
    process.stderr.write(`${workload.name}\n`);
    const result = await workload.run(context);
    rows.push(...result.rows);
    bars.push(...result.bars);
    notes.push(...(result.notes ?? []));
  }
  // Python Popoto's figure sits beside the model reads, when they ran (measured live while the
  // Redis is still up, when POPOTO_PY_SRC is set; see python-popoto.ts).
  if (rows.some((r) => r.workload === PYTHON_WORKLOAD)) python.push(await pythonFigure(url, context.log));
} catch (error) {
  await interruption.rethrowUnlessInterrupted(error);
} finally {
  const cleaner = new Redis(url);
  await keys.deleteAll(cleaner);
  cleaner.disconnect();
  await embedded?.stop();
}

const header = `popoto-ts bench — ${new Date().toISOString()} — node ${process.version}, ${cpus().length} CPUs, median of ${rounds} rounds, Redis ${redactUrl(url)}`;
const result: BenchResult = { header, rows, bars, notes, python };
const report = renderMarkdown(result);
process.stdout.write(`\n${report}`);
const out = process.env.BENCH_OUT ?? 'bench/report';
await mkdir(out, { recursive: true });
await writeFile(join(out, 'report.md'), report);
await writeFile(join(out, 'report.json'), `${JSON.stringify(result, null, 2)}\n`);
await writeFile(join(out, 'chart.svg'), await renderChart(result));
process.stderr.write(`report: ${join(out, 'report.md')}, report.json, chart.svg\n`);
// A full run that replaced the committed report also renders the figures the README and the
// guides show from it (a partial run, or one written elsewhere, leaves them alone).
if (out === 'bench/report' && only.length === 0) {
  const changed = await updateDocumentFigures('.', result);
  if (changed.length > 0) process.stderr.write(`figures updated in ${changed.join(', ')}\n`);
}
if (bars.some((b) => !holds(b))) process.exitCode = 1;
