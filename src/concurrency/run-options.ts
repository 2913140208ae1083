import { DEFAULT_CONCURRENCY } from './concurrency.js';
import { describeValue } from '../utils/errors.js';
import {
  assertDuration,
  assertInteger,
  assertKnownKeys,
  optionNames,
  assertOptionalBoolean,
  assertOptionalFunction,
  assertOptionalSignal,
  assertOptionsObject,
} from '../utils/validate.js';

/** Progress of a run, reported after every task settles. */
export interface Progress {
  /** Tasks that have settled so far, successful or failed. */
  done: number;
  /** How many of the settled tasks failed (after their retries). */
  failed: number;
  /** Number of inputs, once known: at once for arrays, Sets and Maps; for other iterables when they are exhausted. */
  total?: number;
}

/** Retry policy for a failed task. Delays grow exponentially with jitter, between the two bounds. */
export interface RetryOptions {
  /** Extra attempts after the first one fails (0 = no retry). */
  retries: number;
  /** Delay before the first retry, in ms; later retries double it (with jitter). Default 50. */
  minDelayMs?: number;
  /** Upper bound of any delay, in ms. Default 5000. */
  maxDelayMs?: number;
  /** Decides whether an error is worth another attempt. Default: every error is. If it throws, the task fails with that error. */
  retryIf?: (error: unknown) => boolean;
}

/** Options of `runAllMultithreaded` and `streamAllMultithreaded`. */
export interface RunAllOptions {
  /**
   * Most tasks in flight at once: an integer >= 1 or Infinity. Default `DEFAULT_CONCURRENCY`
   * (chosen by measurement for Redis I/O; see docs/concurrency.md). Never more tasks run than there are params.
   */
  concurrency?: number;
  /** Aborting rejects the run with `signal.reason` and starts nothing new. */
  signal?: AbortSignal;
  /**
   * true (default): the first failure rejects the run with the original error and nothing new starts.
   * false: every task runs; failures are collected into an `AggregateError` of `TaskError`s, each with its `index`.
   */
  stopOnError?: boolean;
  /** Per attempt: a task still pending after this many ms fails with a `TaskTimeoutError` naming its index. */
  timeoutMs?: number;
  /** Retries for failed tasks: a count, or a full `RetryOptions` policy. */
  retries?: number | RetryOptions;
  /** Called after every task settles. An exception thrown here rejects the run. */
  onProgress?: (progress: Progress) => void;
}

/** Options of `streamAllMultithreaded`: those of `runAllMultithreaded`, plus the buffer bound. */
export interface StreamAllOptions extends RunAllOptions {
  /**
   * Most results held ahead of the consumer (in flight plus finished but not yet read).
   * Default: twice the concurrency, or twice `DEFAULT_CONCURRENCY` when concurrency is Infinity.
   */
  highWaterMark?: number;
}

/** A retry policy with every default filled in. */
export interface RetryPolicy {
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
  retryIf: ((error: unknown) => boolean) | undefined;
}

/**
 * Options after validation, with defaults applied. The engine reads `concurrency` and
 * `highWaterMark` each time it decides whether to start a task, so a ThreadPool can make them
 * getters that follow its chunk size.
 */
export interface NormalizedRunOptions {
  concurrency: number;
  signal: AbortSignal | undefined;
  stopOnError: boolean;
  timeoutMs: number | undefined;
  retry: RetryPolicy | undefined;
  onProgress: ((progress: Progress) => void) | undefined;
  highWaterMark: number;
}

const DEFAULT_MIN_DELAY_MS = 50;
const DEFAULT_MAX_DELAY_MS = 5000;

/** Which run takes the options: each refuses what it has no use for, and names only what it takes. */
export type RunForm = 'run' | 'settled' | 'stream';

const RUN_OPTIONS = optionNames<RunAllOptions>({
  concurrency: true,
  signal: true,
  stopOnError: true,
  timeoutMs: true,
  retries: true,
  onProgress: true,
});

/** Known options of each form of run. */
export const KNOWN_RUN_OPTIONS: Readonly<Record<RunForm, readonly string[]>> = {
  run: RUN_OPTIONS,
  // runAllSettled has no use for stopOnError: every task runs.
  settled: RUN_OPTIONS.filter((name) => name !== ('stopOnError' satisfies keyof RunAllOptions)),
  stream: [...RUN_OPTIONS, ...optionNames<Omit<StreamAllOptions, keyof RunAllOptions>>({ highWaterMark: true })],
};

const RETRY_OPTIONS = optionNames<RetryOptions>({ retries: true, minDelayMs: true, maxDelayMs: true, retryIf: true });

/**
 * Validates the options of a run (TypeError/RangeError naming the option) and fills in defaults.
 * `known`: the option names an unknown option is refused against, `KNOWN_RUN_OPTIONS[form]`
 * unless the caller takes options of its own (a ThreadPool's, taken out already).
 */
export function normalizeRunOptions(
  options: StreamAllOptions | undefined,
  form: RunForm,
  known: readonly string[] = KNOWN_RUN_OPTIONS[form],
): NormalizedRunOptions {
  assertOptionsObject(options, 'options');
  assertKnownKeys(options, known, 'options');
  const {
    concurrency = DEFAULT_CONCURRENCY,
    signal,
    stopOnError = true,
    timeoutMs,
    retries,
    onProgress,
  } = options ?? {};
  assertInteger(concurrency, 'concurrency', 1, true);
  assertOptionalSignal(signal, 'signal');
  assertOptionalBoolean(stopOnError, 'stopOnError');
  if (timeoutMs !== undefined) assertDuration(timeoutMs, 'timeoutMs', 1);
  assertOptionalFunction(onProgress, 'onProgress');
  // A concurrency too large to double (Number.MAX_VALUE) is as unbounded as Infinity.
  const highWaterMark =
    options?.highWaterMark === undefined
      ? 2 * (Number.isSafeInteger(concurrency) ? concurrency : DEFAULT_CONCURRENCY)
      : options.highWaterMark;
  assertInteger(highWaterMark, 'highWaterMark', 1);
  return {
    concurrency,
    signal,
    stopOnError,
    timeoutMs,
    retry: normalizeRetries(retries),
    onProgress,
    highWaterMark,
  };
}

function normalizeRetries(retries: RunAllOptions['retries']): RetryPolicy | undefined {
  if (retries === undefined) return undefined;
  if (typeof retries === 'number') {
    assertInteger(retries, 'retries', 0);
    return retries === 0
      ? undefined
      : { retries, minDelayMs: DEFAULT_MIN_DELAY_MS, maxDelayMs: DEFAULT_MAX_DELAY_MS, retryIf: undefined };
  }
  if (typeof retries !== 'object' || retries === null || Array.isArray(retries)) {
    throw new TypeError(`retries must be an integer >= 0 or a RetryOptions object, got ${describeValue(retries)}`);
  }
  const {
    minDelayMs = DEFAULT_MIN_DELAY_MS,
    maxDelayMs = Math.max(DEFAULT_MAX_DELAY_MS, minDelayMs),
    retryIf,
  } = retries;
  assertInteger(retries.retries, 'retries.retries', 0);
  assertKnownKeys(retries, RETRY_OPTIONS, 'retries');
  assertDuration(minDelayMs, 'retries.minDelayMs', 0);
  assertDuration(maxDelayMs, 'retries.maxDelayMs', minDelayMs);
  assertOptionalFunction(retryIf, 'retries.retryIf');
  return retries.retries === 0 ? undefined : { retries: retries.retries, minDelayMs, maxDelayMs, retryIf };
}
