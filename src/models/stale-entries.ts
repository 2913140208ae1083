// The index entries a read finds pointing at records that no longer exist (their hash expired):
// removed in the background, so a read never waits or fails for them.
import { scheduleHousekeeping } from '../concurrency/background.js';
import type { RedisClient } from '../redis/connection.js';
import type { ModelMeta } from './meta.js';
import { RECORD_SCRIPT } from './record-script.js';

/**
 * Drops the index entries of records found missing, in a tracked background task (library
 * housekeeping, outside the application's queue bound). A key already being cleaned is not
 * scheduled again, which bounds that work by the number of expired records.
 */
export function cleanStaleEntries(client: RedisClient, meta: ModelMeta, keys: string[]): void {
  if (keys.length === 0) return;
  let inFlight = cleaning.get(client);
  if (inFlight === undefined) cleaning.set(client, (inFlight = new Set()));
  const fresh = keys.filter((key) => !inFlight.has(key));
  if (fresh.length === 0) return;
  for (const key of fresh) inFlight.add(key);
  const clean = (target: RedisClient, model: ModelMeta, stale: string[]): Promise<void> =>
    removeEntriesOfMissingRecords(target, model, stale).finally(() => {
      for (const key of stale) inFlight.delete(key);
    });
  scheduleHousekeeping(clean, undefined, [client, meta, fresh], CLEAN_TASK_NAME);
}

/**
 * Removes the index entries of the records at `keys` that do not exist (checked in Redis, in
 * the same script call that removes them). Exported for tests; queries run it as a background task.
 */
export async function removeEntriesOfMissingRecords(
  client: RedisClient,
  meta: ModelMeta,
  keys: readonly string[],
): Promise<void> {
  const indexes = meta.indexes(client);
  await Promise.all(
    keys.flatMap((key) => {
      const record = indexes.ofKey(key);
      if (record === undefined) return [];
      return [RECORD_SCRIPT.run(client, record.keys, ['clean', indexes.setCount, indexes.sortedCount, key])];
    }),
  );
}

/** The name background-error handlers see for a failed index cleanup. */
const CLEAN_TASK_NAME = 'popoto-ts: clean index entries of expired records';

/** Per client, the record keys whose index cleanup is scheduled or running. */
const cleaning = new WeakMap<RedisClient, Set<string>>();
