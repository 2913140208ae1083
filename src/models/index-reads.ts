// Reads of a model's index sets and record keys that a query combines: set members, which of
// some keys a set holds, which keys exist, and one command per key in slot-aware pipelines.
import type { ChainableCommander } from 'ioredis';
import { planBatches } from '../redis/batch-plan.js';
import { sendBatches } from '../redis/batch-send.js';
import type { RedisClient } from '../redis/connection.js';

/** Every member of `set`. */
export async function members(client: RedisClient, set: string): Promise<string[]> {
  return client.smembers(set);
}

/** The members of `set` among `keys`, in order: SISMEMBER for one, SMISMEMBER for up to 1,000 a command. */
export async function existingMembers(client: RedisClient, set: string, keys: readonly string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  if (keys.length === 1) return (await client.sismember(set, keys[0]!)) === 1 ? [keys[0]!] : [];
  const chunks: string[][] = [];
  for (let i = 0; i < keys.length; i += 1000) chunks.push(keys.slice(i, i + 1000));
  const replies = await Promise.all(chunks.map((chunk) => client.smismember(set, ...chunk)));
  return replies.flatMap((reply, c) => chunks[c]!.filter((_, i) => reply[i] === 1));
}

/** The keys of every list, each once, in the order first met. */
export function union(lists: readonly string[][]): string[] {
  return lists.length === 1 ? lists[0]! : [...new Set(lists.flat())];
}

/**
 * One command per key (`send`, given the key and its position), in slot-aware pipelines of
 * 1000: one round trip per batch. Resolves with the replies in order; rejects with the first failure.
 */
export async function eachKey<T>(
  client: RedisClient,
  keys: readonly string[],
  send: (target: ChainableCommander, key: string, i: number) => unknown,
): Promise<T[]> {
  const replies = new Array<T>(keys.length);
  let failure: unknown;
  await sendBatches(client, planBatches(client, keys, { batchSize: 1000, shape: 'per-item' }), {
    command: (target, { indexes: [i] }) => send(target, keys[i!]!, i!),
    onGroup: ({ indexes: [i] }, outcome) => {
      if (outcome.ok) replies[i!] = outcome.value as T;
      else failure ??= outcome.error;
    },
  });
  if (failure !== undefined) throw failure as Error;
  return replies;
}

/** EXISTS of many keys in slot-aware pipelines. */
export async function existingKeys(client: RedisClient, keys: string[]): Promise<boolean[]> {
  return (await eachKey<number>(client, keys, (target, key) => target.exists(key))).map((n) => n === 1);
}
