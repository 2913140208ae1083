import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

/** A promise with its resolve and reject exposed. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every queued microtask and one macrotask run. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Counts tasks in flight and remembers the highest count seen. */
export function inFlightGauge(): { enter(): void; leave(): void; readonly current: number; readonly peak: number } {
  let current = 0;
  let peak = 0;
  return {
    enter() {
      current++;
      peak = Math.max(peak, current);
    },
    leave() {
      current--;
    },
    get current() {
      return current;
    },
    get peak() {
      return peak;
    },
  };
}

/** An infinite generator of 0, 1, 2, ... that records whether it was closed (its `finally` ran). */
export function closableCounter(): { numbers: Generator<number>; readonly closed: boolean } {
  let closed = false;
  function* numbers(): Generator<number> {
    try {
      for (let i = 0; ; i++) yield i;
    } finally {
      closed = true;
    }
  }
  return {
    numbers: numbers(),
    get closed() {
      return closed;
    },
  };
}

/** What became of a promise: its value or its error, never a rejection. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Observes `promise` from now on (so its rejection is handled at once) and resolves with its outcome. */
export function outcomeOf<T>(promise: Promise<T>): Promise<Outcome<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/**
 * Settles `promise` within `ms` or reports that it did not: a hang detector (the bound under
 * test has slack on top of it), never a speed measurement.
 */
export async function settleWithin<T>(
  promise: Promise<T>,
  ms: number,
): Promise<{ settled: true; ok: boolean; value?: T; error?: unknown } | { settled: false }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ settled: false }>(
    (resolve) => (timer = setTimeout(() => resolve({ settled: false }), ms)),
  );
  const outcome = promise.then(
    (value) => ({ settled: true as const, ok: true, value }),
    (error: unknown) => ({ settled: true as const, ok: false, error }),
  );
  try {
    return await Promise.race([outcome, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls `condition` (every few ms) until it holds or `timeoutMs` has passed, and says whether it
 * held: how a test waits for something it cannot subscribe to, instead of a fixed pause.
 */
export async function eventually(condition: () => boolean, timeoutMs = 20_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

/**
 * Collects unhandled rejections while a test runs, in place of the runner's own listeners
 * (restored by `stop`). `settled()` proves the watch could see one: it leaves a rejection
 * unhandled and waits until it is reported, so every rejection left unhandled before it has been
 * reported too (Node reports them in order); `reasons` then holds those, without the probe's.
 */
export function watchUnhandledRejections(): { reasons: unknown[]; settled(): Promise<void>; stop(): void } {
  const reasons: unknown[] = [];
  const listener = (reason: unknown): void => {
    reasons.push(reason);
  };
  const others = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  process.on('unhandledRejection', listener);
  return {
    reasons,
    async settled() {
      const probe = new Error('unhandled-rejection probe');
      void Promise.reject(probe);
      if (!(await eventually(() => reasons.includes(probe)))) throw new Error('the probe rejection was never reported');
      reasons.splice(reasons.indexOf(probe), 1);
    },
    stop() {
      process.off('unhandledRejection', listener);
      for (const other of others) process.on('unhandledRejection', other);
    },
  };
}
