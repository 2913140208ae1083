import type { RetryPolicy } from '../concurrency/run-options.js';
import { backoffMs } from '../concurrency/task-policy.js';
import { timeoutOf } from './availability.js';
import { refreshSlots } from './cluster-nodes.js';
import { isCluster } from './client-shape.js';
import { sendFollowingRedirects, type BulkRun, type RoundResult } from './bulk-redirects.js';
import { isClosedError } from './errors.js';
import { pauseOn } from './redirects.js';

/**
 * Sends the items of `first.failed` again, `retry.retries` rounds at most, with `retry`'s
 * backoff and `retryIf` (as runAllMultithreaded applies them to tasks, here to items), each
 * round re-planned after a slot refresh. A connection closed for good is never retried. Updates
 * and returns `first`: what still failed, and whether the caller's signal stopped it.
 */
export async function retryFailed(
  run: BulkRun,
  first: RoundResult,
  retry: RetryPolicy | undefined,
): Promise<RoundResult> {
  const { client, signal } = run;
  const failed = first.failed;
  let aborted = first.aborted;
  for (let round = 0; !aborted && failed.size > 0 && retry !== undefined && round < retry.retries; round++) {
    if (client.status === 'end' || [...failed.values()].some(isClosedError)) break;
    const retryable: number[] = [];
    for (const [index, error] of failed) {
      try {
        if (retry.retryIf === undefined || retry.retryIf(error)) retryable.push(index);
      } catch (verdict) {
        // As in runAllMultithreaded: a retryIf that throws fails the item with what it threw.
        failed.set(index, verdict);
      }
    }
    if (retryable.length === 0) break;
    if (!(await pauseOn(backoffMs(retry, round), client, signal))) {
      aborted = true;
      break;
    }
    if (isCluster(client)) await refreshSlots(client, timeoutOf(client));
    const again = await sendFollowingRedirects(
      run,
      retryable.sort((a, b) => a - b),
    );
    for (const index of retryable) {
      if (again.failed.has(index)) failed.set(index, again.failed.get(index));
      else failed.delete(index);
    }
    aborted = again.aborted;
  }
  return { failed, aborted };
}
