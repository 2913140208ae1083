// The process-signal side of a graceful shutdown: on a signal, drain background work, then exit.
import { constants as osConstants } from 'node:os';
import { describeValue } from '../utils/errors.js';
import { assertDuration, assertKnownKeys, assertOptionsObject, optionNames } from '../utils/validate.js';
import { exitCodeOf, signalGate } from './signals.js';

/** Options of `installShutdownHooks`. */
export interface ShutdownHookOptions {
  /** Signals that trigger a drain before exit. Default `['SIGTERM', 'SIGINT']`. */
  signals?: NodeJS.Signals[];
  /** Longest wait for background work before exiting anyway. Default 10000 ms. */
  timeoutMs?: number;
}

const SHUTDOWN_HOOK_OPTIONS = optionNames<ShutdownHookOptions>({ signals: true, timeoutMs: true });

/** Waits (at most `timeoutMs`) for background work and says how many tasks are still pending. */
export type DrainForShutdown = (options: { timeoutMs: number }) => Promise<{ pending: number }>;

/**
 * Checks `options` and listens on each signal: the first drains through `drain` (at most
 * `timeoutMs`), then exits with 128 + the signal number; a second one a second or more later
 * exits at once, a sooner one is the same signal delivered twice and is ignored. Returns the
 * function that removes the listeners; they do not keep the process alive.
 */
export function listenForShutdown(drain: DrainForShutdown, options: ShutdownHookOptions | undefined): () => void {
  assertOptionsObject(options, 'options');
  assertKnownKeys(options, SHUTDOWN_HOOK_OPTIONS, 'options');
  const signals = options?.signals === undefined ? (['SIGTERM', 'SIGINT'] as NodeJS.Signals[]) : options.signals;
  const timeoutMs = options?.timeoutMs === undefined ? 10_000 : options.timeoutMs;
  assertDuration(timeoutMs, 'timeoutMs', 0);
  assertSignals(signals);

  const gate = signalGate();
  const listeners = signals.map((signal) => {
    const exitCode = exitCodeOf(signal);
    const listener = (): void => {
      const meaning = gate();
      if (meaning === 'duplicate') return;
      if (meaning === 'again') process.exit(exitCode);
      void drain({ timeoutMs }).then(({ pending }) => {
        if (pending > 0) {
          process.stderr.write(
            `popoto-ts: exiting on ${signal} with ${pending} background task(s) still pending after ${timeoutMs} ms\n`,
          );
        }
        process.exit(exitCode);
      });
    };
    process.on(signal, listener);
    return { signal, listener };
  });
  return () => {
    for (const { signal, listener } of listeners) process.removeListener(signal, listener);
  };
}

function assertSignals(signals: unknown): asserts signals is NodeJS.Signals[] {
  if (!Array.isArray(signals) || signals.length === 0) {
    throw new TypeError(`signals must be a non-empty array of signal names, got ${describeValue(signals)}`);
  }
  // Array.from: a hole in a sparse array is checked (as undefined) rather than skipped.
  Array.from(signals).forEach((signal: unknown, i) => {
    if (typeof signal !== 'string') throw new TypeError(`signals[${i}] must be a string, got ${describeValue(signal)}`);
    if (!(signal in osConstants.signals) || signal === 'SIGKILL' || signal === 'SIGSTOP') {
      throw new RangeError(`signals must name catchable signals, got ${JSON.stringify(signal)}`);
    }
  });
}
