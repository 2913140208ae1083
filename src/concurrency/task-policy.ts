import { TaskTimeoutError } from '../utils/errors.js';
import { stoppableDelay } from './delay.js';
import type { RetryPolicy } from './run-options.js';
import { TaskAttempt, type Cancellable, type RunScope, type TaskContext } from './task-context.js';

/** The shape of a task: one param, its input index and its context in, a value or a promise of one out. */
export type TaskFn<P, R> = (param: P, index: number, task: TaskContext) => R | PromiseLike<R>;

/** True for promises and any other object with a callable `then` (what `await` treats as a promise). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Wraps `fn` with a per-attempt timeout and a retry policy, or returns undefined when neither
 * applies, so that the plain path (the pool calling `fn` itself) costs nothing extra. Every
 * attempt gets its own `TaskContext`; whatever an attempt leaves pending (its timeout timer, a
 * retry's wait) is registered with `scope`, so a stopped run clears it at once and an
 * abandoned run holds no timer of ours.
 */
export function withTaskPolicy<P, R>(
  fn: TaskFn<P, R>,
  timeoutMs: number | undefined,
  retry: RetryPolicy | undefined,
  scope: RunScope,
): ((param: P, index: number) => R | PromiseLike<R>) | undefined {
  if (timeoutMs === undefined && retry === undefined) return undefined;
  const run: PolicyRun<P, R> = { fn, timeoutMs, scope };
  if (retry === undefined) return (param, index) => runAttempt(run, param, index, 1);
  return (param, index) => retrying(run, retry, param, index);
}

/** What every attempt of one run shares: its task function, its per-attempt timeout, its scope. */
interface PolicyRun<P, R> {
  fn: TaskFn<P, R>;
  timeoutMs: number | undefined;
  scope: RunScope;
}

/** Runs one attempt; its context is finished (leaves the registry) however the attempt ends. */
function runAttempt<P, R>(run: PolicyRun<P, R>, param: P, index: number, attempt: number): R | Promise<R> {
  const { fn, timeoutMs, scope } = run;
  const task = new TaskAttempt(index, attempt, scope);
  let result: R | PromiseLike<R>;
  try {
    result = fn(param, index, task);
  } catch (error) {
    task.finish();
    throw error;
  }
  // A synchronous result has already finished: there is nothing left to time out.
  if (!isThenable(result)) {
    task.finish();
    return result;
  }
  const pending = result;
  return new Promise<R>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const end = (): void => {
      clearTimeout(timer);
      task.finish();
    };
    if (timeoutMs !== undefined) {
      if (scope.stopped) {
        task.abort(scope.reason);
        reject(scope.reason);
        return;
      }
      timer = setTimeout(() => {
        const error = new TaskTimeoutError(index, timeoutMs);
        task.abort(error);
        reject(error);
      }, timeoutMs);
      task.onCancel = (reason) => {
        clearTimeout(timer);
        reject(reason);
      };
      task.track();
    }
    try {
      pending.then(
        (value) => {
          end();
          resolve(value);
        },
        (error: unknown) => {
          end();
          reject(error);
        },
      );
    } catch (error) {
      // A hand-made thenable whose `then` throws: that is this attempt's failure.
      end();
      reject(error);
    }
  });
}

async function retrying<P, R>(run: PolicyRun<P, R>, policy: RetryPolicy, param: P, index: number): Promise<R> {
  const { scope } = run;
  for (let attempt = 1; ; attempt++) {
    try {
      return await runAttempt(run, param, index, attempt);
    } catch (error) {
      if (attempt > policy.retries || scope.stopped || (policy.retryIf !== undefined && !policy.retryIf(error))) {
        throw error;
      }
      await delay(backoffMs(policy, attempt - 1), scope);
    }
  }
}

/** Waits `ms`; a stopped run ends the wait at once (rejecting with its reason) and clears the timer. */
async function delay(ms: number, scope: RunScope): Promise<void> {
  const elapsed = await stoppableDelay(ms, {
    stopWhen: (stop) => {
      const wait: Cancellable = { cancel: stop };
      scope.add(wait);
      return () => scope.delete(wait);
    },
  });
  if (!elapsed) throw scope.reason;
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
