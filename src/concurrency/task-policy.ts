import { setTimeout as sleep } from 'node:timers/promises';
import { TimeoutError } from '../utils/errors.js';
import type { RetryPolicy } from './run-options.js';

/** The shape of a task: one param and its input index in, a value or a promise of one out. */
export type TaskFn<P, R> = (param: P, index: number) => R | PromiseLike<R>;

/** True for promises and any other object with a callable `then` (what `await` treats as a promise). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Wraps `fn` with a per-attempt timeout and a retry policy. `stop` aborts when the run gives
 * up: pending timers are cleared at once, so an abandoned run holds no timer of ours, and no
 * further attempt starts. Without timeout or retries `fn` itself is returned, so the plain
 * path costs nothing extra.
 */
export function withTaskPolicy<P, R>(
  fn: TaskFn<P, R>,
  timeoutMs: number | undefined,
  retry: RetryPolicy | undefined,
  stop: AbortSignal,
): TaskFn<P, R> {
  const attempt: TaskFn<P, R> =
    timeoutMs === undefined ? fn : (param, index) => withTimeout(fn(param, index), index, timeoutMs, stop);
  if (retry === undefined) return attempt;
  return (param, index) => retrying(attempt, param, index, retry, stop);
}

function withTimeout<R>(
  result: R | PromiseLike<R>,
  index: number,
  timeoutMs: number,
  stop: AbortSignal,
): R | Promise<R> {
  // A synchronous result has already finished: there is nothing left to time out.
  if (!isThenable(result)) return result;
  return new Promise<R>((resolve, reject) => {
    const clear = (): void => {
      clearTimeout(timer);
      stop.removeEventListener('abort', onStop);
    };
    const onStop = (): void => {
      clear();
      reject(stop.reason);
    };
    const timer = setTimeout(() => {
      clear();
      reject(new TimeoutError(index, timeoutMs));
    }, timeoutMs);
    stop.addEventListener('abort', onStop, { once: true });
    result.then(
      (value) => {
        clear();
        resolve(value);
      },
      (error: unknown) => {
        clear();
        reject(error);
      },
    );
  });
}

async function retrying<P, R>(
  attempt: TaskFn<P, R>,
  param: P,
  index: number,
  policy: RetryPolicy,
  stop: AbortSignal,
): Promise<R> {
  for (let failures = 0; ; failures++) {
    try {
      return await attempt(param, index);
    } catch (error) {
      if (failures >= policy.retries || stop.aborted || (policy.retryIf !== undefined && !policy.retryIf(error))) {
        throw error;
      }
      await sleep(backoffMs(policy, failures), undefined, { signal: stop });
    }
  }
}

/**
 * Delay before retry number `failures + 1`: exponential from `minDelayMs`, with jitter in
 * [base, 2 × base) so that many tasks failing together (a Redis failover, say) do not all
 * come back in the same millisecond; never above `maxDelayMs`.
 */
export function backoffMs(policy: RetryPolicy, failures: number): number {
  const base = policy.minDelayMs * 2 ** failures;
  return Math.min(policy.maxDelayMs, base * (1 + Math.random()));
}
