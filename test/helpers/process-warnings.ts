// Process warnings (MaxListenersExceededWarning, say) and unhandled rejections: how a fault or a
// leak shows itself past the API when no assertion fails. One recorder, two ways to use it.
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';

/**
 * While the calling file runs, records every process warning and, with `rejections`, every
 * unhandled rejection, one line each (`warning: <name>: <message>`, `unhandled rejection: <stack>`).
 */
function recordProcessTrouble(rejections: boolean): string[] {
  const seen: string[] = [];
  const onWarning = (warning: Error): void => {
    seen.push(`warning: ${warning.name}: ${warning.message}`);
  };
  const onRejection = (reason: unknown): void => {
    seen.push(`unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}`);
  };
  beforeAll(() => {
    process.on('warning', onWarning);
    if (rejections) process.on('unhandledRejection', onRejection);
  });
  afterAll(() => {
    process.off('warning', onWarning);
    process.off('unhandledRejection', onRejection);
  });
  return seen;
}

/** Each test's process warnings, in the returned list (emptied before each test), for the test to assert on. */
export function collectWarnings(): string[] {
  const warnings = recordProcessTrouble(false);
  beforeEach(() => {
    warnings.length = 0;
  });
  return warnings;
}

/** Fails every test of the calling file that leaves a process warning or an unhandled rejection. */
export function failOnWarningsAndUnhandledRejections(): void {
  const seen = recordProcessTrouble(true);
  afterEach(() => {
    const found = seen.splice(0);
    expect(found, 'process warnings or unhandled rejections during the test').toEqual([]);
  });
}
