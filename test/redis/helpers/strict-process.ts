// Fault tests must fail on any process warning (MaxListenersExceededWarning, say) and any
// unhandled rejection, not only on failed assertions: both are how a fault leaks past the API.
import { afterAll, afterEach, beforeAll, expect } from 'vitest';

/** Records every process warning and unhandled rejection while the file runs; each test then asserts none. */
export function failOnWarningsAndUnhandledRejections(): void {
  const seen: string[] = [];
  const onWarning = (warning: Error): void => {
    seen.push(`warning: ${warning.name}: ${warning.message}`);
  };
  const onRejection = (reason: unknown): void => {
    seen.push(`unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}`);
  };
  beforeAll(() => {
    process.on('warning', onWarning);
    process.on('unhandledRejection', onRejection);
  });
  afterEach(() => {
    const found = seen.splice(0);
    expect(found, 'process warnings or unhandled rejections during the test').toEqual([]);
  });
  afterAll(() => {
    process.off('warning', onWarning);
    process.off('unhandledRejection', onRejection);
  });
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
