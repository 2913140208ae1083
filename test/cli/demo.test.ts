// The demo end to end: progress on every phase (plain lines without a terminal, a bar on one),
// never 3 s of silence, honest time-left figures, the closing table or JSON, and no keys left.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/child-process.js';
import { keysUnder, newRedis, redisUrl } from '../helpers/redis.js';

const redis = newRedis();
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PHASES = [
  'model saves, sequential',
  'model saves, startNewThread',
  'bulk query, sequential',
  'bulk query, runAllMultithreaded',
  'publish, sequential',
  'publish, runAllMultithreaded',
  "deleting the demo's keys",
];
const STEPS = [
  'model saves with TTL, sequential',
  'model saves with TTL, startNewThread + drain',
  'bulk query, 10 key patterns, sequential',
  'bulk query, 10 key patterns, runAllMultithreaded',
  'publish per close price, sequential',
  'publish per close price, runAllMultithreaded',
];

interface TimedRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from the start to each chunk of output, and to the exit. */
  outputAt: number[];
  endedAt: number;
}

/** Runs `command args` and notes when each piece of output arrived. */
function runTimed(command: string, args: string[]): Promise<TimedRun> {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: redisUrl() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const start = performance.now();
  const run = { stdout: '', stderr: '', outputAt: [] as number[] };
  for (const name of ['stdout', 'stderr'] as const) {
    child[name].setEncoding('utf8').on('data', (chunk: string) => {
      run[name] += chunk;
      run.outputAt.push(performance.now() - start);
    });
  }
  const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(killer);
      resolve({ ...run, code, endedAt: performance.now() - start });
    });
  });
}

/** Every "time left" figure shown, in seconds. */
function secondsLeft(output: string): number[] {
  return [...output.matchAll(/(?:(\d+)m )?(\d+)s left/g)].map((m) => Number(m[1] ?? 0) * 60 + Number(m[2]));
}

const namespaceOf = (output: string): string => /writing under (\S+) \(deleted/.exec(output)![1]!;

describe('popoto-ts demo without a terminal', () => {
  it('prints plain progress lines for every phase, never 3 s apart, then ends with the table; no keys left', async () => {
    const run = await runTimed(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--records', '20000']);
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.code).toBe(0);

    for (const phase of PHASES) expect(run.stderr).toContain(`  ${phase}: `);
    for (const phase of PHASES.slice(0, -1)) {
      expect(run.stderr).toMatch(new RegExp(`^ {2}${phase}: 20,000/20,000 \\(100%\\) \\d+\\.\\ds, done$`, 'm'));
    }
    // No escape sequences (no bar) when stderr is a pipe.
    expect(run.stderr).not.toContain('\u001b[');

    // Never 3 s without output, from its first line (before connecting) to exit.
    const moments = [...run.outputAt, run.endedAt];
    const gaps = moments.slice(1).map((t, i) => t - moments[i]!);
    const longest = gaps.indexOf(Math.max(...gaps));
    expect(gaps[longest], `silent from ${moments[longest]!.toFixed(0)} ms\n${run.stderr}`).toBeLessThan(3000);

    // Time left comes from each phase's own average rate (unit-tested in progress.test.ts); here,
    // on whatever load the machine has, no figure is absurd next to the whole run (12020 s was).
    expect(run.stderr).toMatch(/\d+s left/);
    for (const left of secondsLeft(run.stderr)) expect(left).toBeLessThanOrEqual(10 * Math.ceil(run.endedAt / 1000));

    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^popoto-ts demo: 20,000 price-history records as models, Redis \d/);
    expect(lines[1]).toMatch(/^writing under popoto-demo:[0-9a-f]{8}: \(deleted at the end, and on Ctrl-C\)$/);
    expect(lines[2]).toBe('');
    expect(lines[3]).toMatch(/^step +items +seconds +items\/s +speed-up$/);
    expect(lines[4]).toMatch(/^-+( +-+){4}$/);
    expect(lines.slice(5).map((line) => line.split(/ {2,}/)[0])).toEqual(STEPS);
    for (const row of lines.slice(5)) {
      expect(row).toMatch(/ 20,000 +\d+\.\d\d +[\d,]+ +\d+\.\d×$/);
    }
    expect(lines.filter((line, i) => line === '' && lines[i + 1] === '')).toEqual([]);
    expect(await keysUnder(redis, namespaceOf(run.stdout))).toEqual([]);
  });

  it('--json prints the results as one JSON object on stdout; progress stays on stderr', async () => {
    const outcome = await runCli(['demo', '--records', '500', '--json'], { REDIS_URL: redisUrl() });
    expect(outcome.code).toBe(0);
    expect(outcome.stdout.trimEnd().split('\n')).toHaveLength(1);
    const result = JSON.parse(outcome.stdout);
    expect(result).toMatchObject({ records: 500, namespace: expect.stringMatching(/^popoto-demo:[0-9a-f]{8}:$/) });
    expect(result.steps.map((s: { step: string }) => s.step)).toEqual(STEPS);
    for (const [i, step] of result.steps.entries()) {
      expect(step).toEqual({
        step: STEPS[i],
        mode: i % 2 === 0 ? 'sequential' : 'popoto-ts',
        items: 500,
        seconds: expect.any(Number),
        itemsPerSecond: expect.any(Number),
        speedUp: expect.any(Number),
      });
      expect(step.itemsPerSecond).toBeCloseTo(500 / step.seconds, 6);
      const sequential = result.steps[i - (i % 2)];
      expect(step.speedUp).toBeCloseTo(sequential.seconds / step.seconds, 6);
    }
    expect(outcome.stderr).toContain(`writing under ${result.namespace}`);
    expect(outcome.stderr).toContain('  publish, runAllMultithreaded: 500/500 (100%)');
    expect(await keysUnder(redis, result.namespace)).toEqual([]);
  });
});

describe('popoto-ts demo on a terminal', () => {
  it('draws a bar per phase with honest time left, and ends with the table', async () => {
    // script(1) gives the demo a pseudo-terminal, as an interactive shell would.
    const command = `${JSON.stringify(process.execPath)} --import tsx src/cli/main.ts demo --records 20000`;
    const run = await runTimed('script', ['-qec', command, '/dev/null']);
    expect(run.code).toBe(0);
    const screen = run.stdout;
    for (const phase of PHASES) expect(screen).toMatch(new RegExp(`${phase.replace(/[()]/g, '\\$&')} +\\[[█░]{24}\\]`));
    expect(screen).toContain('[████████████████████████] 20,000/20,000 (100%)');
    for (const left of secondsLeft(screen)) expect(left).toBeLessThanOrEqual(10 * Math.ceil(run.endedAt / 1000));
    const last = screen.trimEnd().split(/\r?\n/).slice(-7);
    expect(last[0]).toMatch(/^-+( +-+){4}\r?$/);
    expect(last.slice(1).map((line) => line.split(/ {2,}/)[0])).toEqual(STEPS);
    expect(await keysUnder(redis, namespaceOf(screen))).toEqual([]);
  });
});
