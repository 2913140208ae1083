// Parallel bulk queries across key patterns: SCAN several patterns at once (every master of a
// Redis Cluster too), read what they found in MGET batches, and fan a lookup out over many ids
// with runAllMultithreaded, results in input order.
//
//   npx tsx examples/bulk-queries.ts
import { runAllMultithreaded } from 'popoto-ts';
import { escapeGlob, getMany, getRedis, scanKeys, setMany } from 'popoto-ts/redis';
import { openScratch } from './scratch.js';

const { prefix, cleanUp } = await openScratch('bulk-queries');
const key = (...parts: (string | number)[]) => `${prefix}${parts.join(':')}`;

// Some data: 200 users, 3 sessions each, a cart for every other user.
const users = Array.from({ length: 200 }, (_, i) => i + 1);
await setMany([
  ...users.map((id) => [key('user', id), JSON.stringify({ id, name: `user ${id}` })] as const),
  ...users.flatMap((id) => [1, 2, 3].map((n) => [key('session', id, n), `token-${id}-${n}`] as const)),
  ...users.filter((id) => id % 2 === 0).map((id) => [key('cart', id), `${id % 5} items`] as const),
]);

// 1. Several key patterns, scanned concurrently, each key once; then their values in MGET batches.
//    escapeGlob keeps the prefix literal inside the pattern.
const patterns = ['session', 'cart'].map((kind) => `${escapeGlob(prefix)}${kind}:*`);
const found: string[] = [];
for await (const k of scanKeys(patterns, { count: 500 })) found.push(k);
const values = await getMany(found);
console.log(`sessions and carts: ${found.length} keys, ${values.filter((v) => v !== null).length} values`);

// 2. One task per pattern, in parallel: Python's run_all_multithreaded(count_keys, patterns).
const countKeys = async (kind: string): Promise<string> => {
  let n = 0;
  for await (const _ of scanKeys(`${escapeGlob(prefix)}${kind}:*`)) n++;
  return `${kind}: ${n}`;
};
console.log(`per pattern: ${(await runAllMultithreaded(countKeys, ['user', 'session', 'cart'])).join(', ')}`);

// 3. A lookup per id, many in flight at once, results in input order.
const fetchUser = async (id: number) =>
  JSON.parse((await getRedis().get(key('user', id))) ?? 'null') as { name: string };
const fetched = await runAllMultithreaded(fetchUser, users);
console.log(`fetched ${fetched.length} users in order: ${fetched[0]?.name} ... ${fetched.at(-1)?.name}`);

await cleanUp();
