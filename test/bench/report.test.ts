// The bench report: report.md, report.json and chart.svg (Vega-Lite rendered to SVG in Node),
// from a fixed result and from a short real run.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartSpec, renderChart, renderMarkdown, sideOf, type BenchResult } from '../../bench/report.js';
import { STATED } from '../../bench/python-popoto.js';
import { runTs } from '../helpers/child-process.js';
import { keysUnder, newRedis, redisUrl } from '../helpers/redis.js';

const redis = newRedis();

const result: BenchResult = {
  header: 'popoto-ts bench — fixed figures',
  rows: [
    { workload: 'bulk GET', contender: 'runAllMultithreaded (default, c=1024)', opsPerSec: 262_243 },
    { workload: 'bulk GET', contender: 'p-map, best concurrency (c=512)', opsPerSec: 247_909 },
    { workload: 'bulk GET', contender: 'redis-benchmark -P 16 -c 50 GET', opsPerSec: 1_740_644 },
    { workload: 'model get 100k records', contender: 'query.getMany', opsPerSec: 324_331 },
    { workload: 'model get 100k records', contender: 'redis-benchmark -P 16 -c 50 HGETALL', opsPerSec: 1_169_591 },
  ],
  bars: [
    { workload: 'bulk GET', description: 'runAll / p-map', ratio: 1.06, min: 0.95 },
    { workload: 'x', description: 'memory', ratio: 78, max: 50 },
  ],
  notes: ['a note'],
  python: [STATED],
};

describe('bench report', () => {
  it('tells popoto-ts rows from peers by the function they name, or by their own side', () => {
    const side = (contender: string) => sideOf({ workload: 'w', contender, opsPerSec: 1 });
    for (const own of [
      'runAllMultithreaded(publish)',
      'getMany (MGET batches of 500)',
      'publishMany',
      'scanKeys (3 patterns concurrently, de-duplicated)',
      'query.getMany',
      'startNewThread × 100k, then drainBackgroundTasks()',
      'streamAllMultithreaded (default options)',
    ]) {
      expect(side(own), own).toBe('popoto-ts');
    }
    for (const peer of [
      'p-map, best concurrency (c=512)',
      'sequential awaits',
      'redis-benchmark -P 16 -c 50 GET',
      'raw ioredis pipeline of the same PUBLISH commands',
      'one SCAN cursor per pattern, in turn',
    ]) {
      expect(side(peer), peer).toBe('peer');
    }
    expect(sideOf({ workload: 'w', contender: 'piscina direct', opsPerSec: 1, side: 'peer' })).toBe('peer');
  });

  it('report.md has every row with its side, the Python figure with its source, the bars and the chart', () => {
    const md = renderMarkdown(result);
    expect(md).toContain('![throughput of popoto-ts and its peers, per workload](chart.svg)');
    expect(md).toContain('| bulk GET | p-map, best concurrency (c=512) | peer | 247,909 |  |');
    expect(md).toContain('| model get 100k records | query.getMany | popoto-ts | 324,331 |  |');
    expect(md).toContain(`| model get 100k records | ${STATED.contender} | Python Popoto | 9,629 | ${STATED.source} |`);
    expect(md).toContain('| bulk GET | runAll / p-map | 1.06 | ≥ 0.95 | yes |');
    expect(md).toContain('| x | memory | 78.00 | ≤ 50 | NO |');
    expect(md).toContain('- a note');
  });

  it('the chart has a panel per workload, every contender, and Python beside its workload only', () => {
    const spec = chartSpec(result) as unknown as {
      vconcat: { title: { text: string } }[];
      data: { values: { workload: string; contender: string; side: string }[] };
    };
    expect(spec.vconcat.map((panel) => panel.title.text)).toEqual(['bulk GET', 'model get 100k records']);
    expect(spec.data.values).toHaveLength(6);
    expect(spec.data.values.filter((v) => v.side === 'Python Popoto')).toEqual([
      expect.objectContaining({ workload: 'model get 100k records', contender: STATED.contender }),
    ]);
    const withoutModels = chartSpec({ ...result, rows: result.rows.slice(0, 3) }) as unknown as typeof spec;
    expect(withoutModels.data.values.some((v) => v.side === 'Python Popoto')).toBe(false);
  });

  it('renders an SVG with a bar and a figure per contender, headless', async () => {
    const svg = await renderChart(result);
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const bars = svg.match(/aria-roledescription="bar"/g) ?? [];
    expect(bars).toHaveLength(6);
    for (const row of result.rows) expect(svg).toContain(`>${row.contender.replace(/&/g, '&amp;')}<`);
    for (const figure of ['262,243', '1,740,644', '9,629']) expect(svg).toContain(`>${figure}<`);
    // Colours by side: popoto-ts, peer, Python Popoto.
    for (const colour of ['#2f6fb0', '#a0a0a0', '#e0a030']) expect(svg).toContain(`fill="${colour}"`);
  });

  it('npm run bench writes report.md, report.json and chart.svg, and leaves no keys (a short run)', async () => {
    const out = await mkdtemp(join(tmpdir(), 'popoto-bench-report-'));
    try {
      const outcome = await runTs('bench/main.ts', ['publish'], {
        env: { REDIS_URL: redisUrl(), BENCH_ROUNDS: '1', BENCH_OUT: out },
        killAfterMs: 110_000,
      });
      // Exit code 1 only says a bar missed on this loaded machine; the report is written either way.
      expect([0, 1], outcome.stderr).toContain(outcome.code);
      const json = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as BenchResult;
      expect(json.rows.map((r) => r.contender)).toEqual([
        'publishMany',
        'raw ioredis pipeline of the same PUBLISH commands',
        'runAllMultithreaded(publish)',
      ]);
      for (const row of json.rows) expect(row.opsPerSec).toBeGreaterThan(0);
      expect(json.python).toEqual([]);
      const md = await readFile(join(out, 'report.md'), 'utf8');
      expect(md).toContain('| publish 200k messages | publishMany | popoto-ts |');
      expect(md).toMatch(
        /\| publish 200k messages \| publishMany \/ raw pipeline \| \d+\.\d\d \| ≥ 0\.8 \| (yes|NO) \|/,
      );
      const svg = await readFile(join(out, 'chart.svg'), 'utf8');
      expect(svg.match(/aria-roledescription="bar"/g)).toHaveLength(3);
      const prefix = /writing under (\S+) \(deleted/.exec(outcome.stderr)![1]!;
      expect(await keysUnder(redis, prefix)).toEqual([]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }, 120_000);
});
