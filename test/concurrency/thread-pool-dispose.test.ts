// test tier: unit
// `await using` a ThreadPool: leaving the scope closes it, so its threads end and a program
// that used it exits by itself.
import { describe, expect, it } from 'vitest';
import { ThreadPool } from '../../src/concurrency/index.js';
import type square from '../fixtures/threads/square.js';
import { threadFixture } from '../helpers/thread-fixtures.js';

const squareModule = threadFixture('square');

describe('await using a ThreadPool', () => {
  it('closes it when the scope ends, even after a throw: it takes no more tasks', async () => {
    let pool: ThreadPool<typeof square> | undefined;
    const failing = async (): Promise<void> => {
      await using threads = new ThreadPool<typeof square>(squareModule, { maxThreads: 2 });
      pool = threads;
      expect(await threads.runAll([1, 2, 3])).toEqual([1, 4, 9]);
      throw new Error('the work failed');
    };
    await expect(failing()).rejects.toThrow('the work failed');
    await expect(pool!.run(2)).rejects.toThrow(/is closed: create a new ThreadPool/);
    // Disposed means closed: the same promise close() returns, already settled.
    await expect(pool!.close()).resolves.toBeUndefined();
  });
});
