// The Python original's figure for the chart: Python Popoto 0.8.3's model reads through its own
// run_all_multithreaded, measured live in the same run when POPOTO_PY_SRC names a Popoto source
// tree (PYTHON, else python3, with the redis and msgpack packages), else the figure measured
// earlier, with its source.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { findOnPath } from '../src/redis/embedded-server.js';
import type { PythonFigure } from './report.js';

const execFileAsync = promisify(execFile);
// This module runs from bench/ (tsx) or compiled, from .bench-build/bench/ (npm run bench).
const ROOT = new URL(import.meta.url.includes('/.bench-build/') ? '../../' : '../', import.meta.url);
const SCRIPT = fileURLToPath(new URL('bench/python/popoto_reads.py', ROOT));

/** The workload the figure belongs beside (bench/workloads/models.ts), and how it is labelled. */
export const PYTHON_WORKLOAD = 'model get 100k records';
const CONTENDER = 'Python Popoto 0.8.3: run_all_multithreaded(Model.query.get)';

/** Measured with bench/python/popoto_reads.py, as the source says; used when no live measurement runs. */
export const STATED: PythonFigure = {
  workload: PYTHON_WORKLOAD,
  contender: CONTENDER,
  opsPerSec: 9_629,
  source:
    'not measured in this run: measured with bench/python/popoto_reads.py (20,000 records, median of 3 rounds) on ' +
    'the 2-core development machine under other load, 2026-11-29, Python 3.11, redis-py 4.3.4, Redis 7.0 on loopback',
};

/**
 * Python Popoto's model-read throughput against `redisUrl`: live when POPOTO_PY_SRC is set, else
 * the stated figure. The Python script deletes every key it wrote, also when interrupted.
 */
export async function pythonFigure(redisUrl: string, log: (message: string) => void): Promise<PythonFigure> {
  const source = process.env.POPOTO_PY_SRC;
  if (source === undefined || source === '') return STATED;
  if (!existsSync(`${source}/popoto/utils/multithreading.py`)) {
    throw new Error(`POPOTO_PY_SRC=${source} does not hold a Popoto source tree (popoto/utils/multithreading.py)`);
  }
  // PYTHON picks the interpreter (one with the redis and msgpack packages), else python3 on PATH.
  const python = process.env.PYTHON || findOnPath('python3');
  if (python === undefined) throw new Error('POPOTO_PY_SRC is set but python3 is not on PATH (or set PYTHON)');
  log('Python Popoto 0.8.3: writing 20,000 records, then 3 rounds of run_all_multithreaded(Model.query.get)');
  const { stdout } = await execFileAsync(python, [SCRIPT, '20000', '3'], {
    env: { ...process.env, PYTHONPATH: source, REDIS_URL: redisUrl },
    maxBuffer: 1 << 20,
  });
  const measured = JSON.parse(stdout.trim().split('\n').at(-1)!) as { opsPerSec: number; python: string };
  return {
    workload: PYTHON_WORKLOAD,
    contender: CONTENDER,
    opsPerSec: measured.opsPerSec,
    source: `measured in this run, same Redis (20,000 records, median of 3 rounds, Python ${measured.python})`,
  };
}
