// test tier: unit
// Importing popoto-ts does not load the worker-thread engine: the first ThreadPool made does.
import { describe, expect, it } from 'vitest';
import { runFixture } from '../helpers/child-process.js';

describe('the worker-thread engine', () => {
  it('is loaded by the first ThreadPool made, not by importing popoto-ts', async () => {
    const outcome = await runFixture('lazy-thread-engine.ts', []);
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
    const { afterImport, afterPool, result } = JSON.parse(outcome.stdout) as {
      afterImport: string[];
      afterPool: string[];
      result: number;
    };
    expect(afterImport).toEqual([]);
    // The probe sees the engine once a pool is made: it would have seen it at import too.
    expect(afterPool).toEqual(expect.arrayContaining(['worker-pool.ts', 'pool-worker.ts', 'thread-protocol.ts']));
    expect(result).toBe(49);
  });
});
