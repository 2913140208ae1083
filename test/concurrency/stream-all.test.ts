// test tier: unit
import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { TaskError, streamAllMultithreaded } from '../../src/concurrency/index.js';
import { eventually, inFlightGauge, nextTurn, sleep } from '../helpers/async.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

describe('streamAllMultithreaded', () => {
  it('yields every result in input order', async () => {
    const stream = streamAllMultithreaded(
      async (n: number) => {
        await sleep((n * 5) % 7);
        return `#${n}`;
      },
      range(100),
      { concurrency: 8 },
    );
    expectTypeOf(stream).toEqualTypeOf<AsyncIterableIterator<string>>();
    expect(await collect(stream)).toEqual(range(100).map((n) => `#${n}`));
  });

  it('yields nothing for empty input', async () => {
    expect(await collect(streamAllMultithreaded((n: number) => n, []))).toEqual([]);
  });

  it('runs nothing until iteration starts', async () => {
    let calls = 0;
    const stream = streamAllMultithreaded(() => ++calls, [1, 2, 3]);
    // A run that started on its own would have called fn by the next turn (collect below shows it does then).
    await nextTurn();
    expect(calls).toBe(0);
    expect(await collect(stream)).toEqual([1, 2, 3]);
  });

  it('keeps at most highWaterMark results ahead of a slow reader', async () => {
    let pulled = 0;
    function* numbers(): Generator<number> {
      for (let i = 0; i < 300; i++) {
        pulled++;
        yield i;
      }
    }
    const gauge = inFlightGauge();
    let read = 0;
    for await (const n of streamAllMultithreaded(
      async (x: number) => {
        gauge.enter();
        await sleep(0);
        gauge.leave();
        return x;
      },
      numbers(),
      { concurrency: 4, highWaterMark: 10 },
    )) {
      expect(n).toBe(read);
      read++;
      // A slow reader: tasks finish long before they are read, yet nothing runs far ahead.
      await sleep(1);
      expect(pulled - read).toBeLessThanOrEqual(10);
    }
    expect(read).toBe(300);
    expect(gauge.peak).toBeLessThanOrEqual(4);
  });

  it('defaults the buffer to twice the concurrency', async () => {
    let pulled = 0;
    function* numbers(): Generator<number> {
      for (let i = 0; i < 100; i++) {
        pulled++;
        yield i;
      }
    }
    const stream = streamAllMultithreaded((n: number) => n, numbers(), { concurrency: 5 });
    await stream.next();
    await nextTurn();
    // One read, ten ahead at most.
    expect(pulled).toBeLessThanOrEqual(11);
    await stream.return?.();
  });

  it('break stops pulling input, closes it, and starts no new task', async () => {
    let closed = false;
    let pulled = 0;
    function* forever(): Generator<number> {
      try {
        for (let i = 0; ; i++) {
          pulled++;
          yield i;
        }
      } finally {
        closed = true;
      }
    }
    let started = 0;
    const running = inFlightGauge();
    for await (const n of streamAllMultithreaded(
      async (x: number) => {
        started++;
        running.enter();
        await sleep(1);
        running.leave();
        return x;
      },
      forever(),
      { concurrency: 3 },
    )) {
      if (n === 20) break;
    }
    expect(closed).toBe(true);
    const startedAtBreak = started;
    const pulledAtBreak = pulled;
    // Each task that finishes is where a stream that went on would pull and start the next.
    expect(await eventually(() => running.current === 0)).toBe(true);
    await nextTurn();
    expect(started).toBe(startedAtBreak);
    expect(pulled).toBe(pulledAtBreak);
  });

  it('ends a pending next() when return() is called without awaiting it', async () => {
    const stream = streamAllMultithreaded(() => new Promise<never>(() => undefined), [1]);
    const pending = stream.next();
    await stream.return?.();
    expect(await pending).toEqual({ done: true, value: undefined });
  });

  it('after break, an async generator input has run its cleanup when the loop exits', async () => {
    let cleanedUp = false;
    async function* numbers(): AsyncGenerator<number> {
      try {
        for (let i = 0; ; i++) {
          await sleep(0);
          yield i;
        }
      } finally {
        await sleep(5);
        cleanedUp = true;
      }
    }
    for await (const n of streamAllMultithreaded(async (x: number) => x, numbers(), { concurrency: 2 })) {
      if (n === 3) break;
    }
    expect(cleanedUp).toBe(true);
  });

  it('stopOnError: yields the results before the failed item, then throws its error, starting nothing new', async () => {
    const failure = new Error('item 5 is bad');
    const started: number[] = [];
    const seen: number[] = [];
    const running = inFlightGauge();
    const run = async (): Promise<void> => {
      for await (const n of streamAllMultithreaded(
        async (x: number) => {
          started.push(x);
          running.enter();
          await sleep(x === 5 ? 1 : 10);
          running.leave();
          if (x === 5) throw failure;
          return x;
        },
        range(50),
        { concurrency: 3 },
      )) {
        seen.push(n);
      }
    };
    await expect(run()).rejects.toBe(failure);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    // The tasks still running finish: each finish is where a run that went on would start another.
    expect(await eventually(() => running.current === 0)).toBe(true);
    await nextTurn();
    expect(Math.max(...started)).toBeLessThanOrEqual(7);
  });

  it('stopOnError false: skips failed items and throws an AggregateError after the last result', async () => {
    const seen: number[] = [];
    const error = await (async () => {
      for await (const n of streamAllMultithreaded(
        async (x: number) => {
          if (x % 4 === 1) throw new Error(`bad ${x}`);
          return x;
        },
        range(10),
        { stopOnError: false },
      )) {
        seen.push(n);
      }
    })().catch((e: unknown) => e);
    expect(seen).toEqual([0, 2, 3, 4, 6, 7, 8]);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: TaskError) => e.index)).toEqual([1, 5, 9]);
  });

  // Found by a stress harness: a task that settles synchronously while the stream was skipping a
  // failure re-entered the delivery and a result was dropped ([1, 2, 4, 7, ...] came out of 0..19).
  it('loses no result when tasks settle synchronously next to skipped failures', async () => {
    type Outcome = 'sync-ok' | 'sync-throw' | 'async-ok' | 'async-throw';
    const outcome = fc.constantFrom<Outcome>('sync-ok', 'sync-throw', 'async-ok', 'async-throw');
    await fc.assert(
      fc.asyncProperty(
        fc.array(outcome, { maxLength: 40 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        async (plan, concurrency, highWaterMark, stopOnError) => {
          const fn = (i: number): number | Promise<number> => {
            const kind = plan[i]!;
            if (kind === 'sync-ok') return i;
            if (kind === 'sync-throw') throw new Error(`bad ${i}`);
            return nextTurn().then(() => {
              if (kind === 'async-throw') throw new Error(`bad ${i}`);
              return i;
            });
          };
          const okIndexes = range(plan.length).filter((i) => plan[i]!.endsWith('ok'));
          const failedIndexes = range(plan.length).filter((i) => plan[i]!.endsWith('throw'));
          const seen: number[] = [];
          let thrown: unknown;
          try {
            const options = { concurrency, highWaterMark, stopOnError };
            for await (const v of streamAllMultithreaded(fn, range(plan.length), options)) seen.push(v);
          } catch (error) {
            thrown = error;
          }
          const firstFailure = failedIndexes[0] ?? plan.length;
          if (stopOnError) {
            expect(seen).toEqual(okIndexes.filter((i) => i < firstFailure));
            if (failedIndexes.length === 0) expect(thrown).toBeUndefined();
            else expect((thrown as Error).message).toBe(`bad ${firstFailure}`);
            return;
          }
          expect(seen).toEqual(okIndexes);
          if (failedIndexes.length === 0) {
            expect(thrown).toBeUndefined();
          } else {
            expect(thrown).toBeInstanceOf(AggregateError);
            expect((thrown as AggregateError).errors.map((e: TaskError) => e.index)).toEqual(failedIndexes);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('throws signal.reason on abort', async () => {
    const controller = new AbortController();
    const reason = new Error('stop streaming');
    const seen: number[] = [];
    const run = async (): Promise<void> => {
      for await (const n of streamAllMultithreaded(
        async (x: number) => {
          await sleep(1);
          return x;
        },
        range(1000),
        { signal: controller.signal, concurrency: 2 },
      )) {
        seen.push(n);
        if (n === 10) controller.abort(reason);
      }
    };
    await expect(run()).rejects.toBe(reason);
    expect(seen.at(-1)).toBe(10);
  });

  it('applies timeoutMs and retries like runAllMultithreaded', async () => {
    let attempts = 0;
    const results = await collect(
      streamAllMultithreaded(
        async (x: number) => {
          if (x === 1 && ++attempts === 1) await sleep(300);
          return x;
        },
        [0, 1, 2],
        { timeoutMs: 20, retries: { retries: 1, minDelayMs: 1 } },
      ),
    );
    expect(results).toEqual([0, 1, 2]);
    expect(attempts).toBe(2);
  });

  it('validates its arguments when called', () => {
    expect(() => streamAllMultithreaded((n: number) => n, [1], { highWaterMark: 0 })).toThrow(
      new RangeError('highWaterMark must be an integer >= 1, got 0'),
    );
    expect(() => streamAllMultithreaded('f' as never, [1])).toThrow(new TypeError("fn must be a function, got 'f'"));
    expect(() => streamAllMultithreaded((n: number) => n, undefined as never)).toThrow(
      new TypeError('params must be an Iterable or AsyncIterable, got undefined'),
    );
  });
});
