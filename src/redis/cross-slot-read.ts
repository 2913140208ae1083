import type { Batch } from './batch-plan.js';
import { isCluster, type RedisClient } from './client-shape.js';
import { redirectOf } from './redirects.js';
import { isErrorReply, saysStatePasses } from './replies.js';
import { RedisScript } from './script.js';

// getMany on a cluster: a node serves thousands of slots, and an MGET may only name keys of one,
// so 200k keys spread over the slots make ~16k MGETs of a dozen keys each. Sent as pipelines, the
// client's cost per command (ioredis builds, writes and settles each) is what limits the read,
// not the nodes. This script takes a whole batch of one node, every slot's keys in ARGV (KEYS
// must share one slot even with allow-cross-slot-keys), runs one MGET per slot inside Redis, and
// answers with a single MessagePack array of the values (false for a missing key): one command
// and one reply per batch.
//
// Redis checks every inner MGET as it checks a client's: a slot that is not served here (moved,
// or migrating with keys gone) fails the script rather than answer for it. A batch whose script
// failed is sent again as the pipeline of per-slot MGETs (batch-send.ts), whose MOVED, ASK and
// TRYAGAIN answers the redirect rules follow: the script never answers for a key it cannot see.
const MGET_ACROSS_SLOTS = new RedisScript(`#!lua flags=no-writes,allow-cross-slot-keys
local groups, rcall = tonumber(ARGV[1]), redis.call
local out, n, k = {}, 0, groups + 1
for g = 2, groups + 1 do
  local size = tonumber(ARGV[g])
  local values = rcall('MGET', unpack(ARGV, k + 1, k + size))
  k = k + size
  for j = 1, size do
    n = n + 1
    out[n] = values[j]
  end
end
return cmsgpack.pack(out)`);

/**
 * Most keys of one slot the script takes in one MGET: Lua's `unpack` fails beyond its stack
 * (8000 values in Redis's Lua); a batch with a larger group goes out as the pipeline.
 */
const MAX_GROUP = 4000;

/**
 * Node connections that will not run the script (no Lua shebangs before Redis 7, an ACL without
 * EVAL, a reply this reader cannot read): their batches go as the pipeline, from then on for the
 * life of the connection.
 */
const unable = new WeakSet<RedisClient>();

/**
 * Whether a failed call says its node will not run the script another time either: a reply this
 * reader cannot read (splitValues' TypeError), or an error reply that is neither a redirect (the
 * slot moved or is migrating: the next batch may go through) nor a state that passes. A failed
 * connection is no answer from the node, and says nothing of the script.
 */
function refusedForGood(error: unknown): boolean {
  if (error instanceof TypeError) return true;
  return isErrorReply(error) && redirectOf(error) === undefined && !saysStatePasses(error);
}

/**
 * Reads the keys of `batch` (several slots of one cluster node) with one script call on
 * `target`, that node's connection. `wireKey(i)` is item `i`'s key as Redis stores it (with the
 * client's keyPrefix: ioredis prefixes KEYS, not ARGV). Resolves with each group's values in
 * `batch.groups` order, as its MGET would answer (strings, null for missing or non-string
 * keys); undefined when the script does not apply here, so the caller sends its pipeline.
 */
export function mgetAcrossSlots(
  target: RedisClient,
  batch: Batch,
  wireKey: (index: number) => string,
): Promise<(string | null)[][]> | undefined {
  // A Cluster would route a call without KEYS to any node: only a node's own connection will do.
  if (unable.has(target) || isCluster(target)) return undefined;
  let total = 0;
  for (const { indexes } of batch.groups) {
    if (indexes.length > MAX_GROUP) return undefined;
    total += indexes.length;
  }
  const args = new Array<string | number>(1 + batch.groups.length + total);
  args[0] = batch.groups.length;
  let at = 1 + batch.groups.length;
  batch.groups.forEach(({ indexes }, g) => {
    args[1 + g] = indexes.length;
    for (const index of indexes) args[at++] = wireKey(index);
  });
  // Each call carries a whole batch: sent at once, not auto-pipelined (see ScriptCallOptions).
  return MGET_ACROSS_SLOTS.runBuffer(target, [], args, { unpipelined: true })
    .then((reply) => splitValues(reply as Buffer, batch, total))
    .catch((error: unknown) => {
      if (refusedForGood(error)) unable.add(target);
      throw error;
    });
}

/**
 * The script's reply, a MessagePack array of strings and false (`expected` of them, the
 * batch's keys), as one array of values per group. Each string is decoded as ioredis decodes an MGET reply (`Buffer#toString('utf8')`,
 * invalid bytes become U+FFFD), so a value reads the same whichever way its batch went: read by
 * hand, since msgpackr's own string decoder treats bytes that are not UTF-8 otherwise. A reply of
 * another shape or length is a TypeError (its batch then goes as the pipeline).
 */
function splitValues(reply: Buffer, batch: Batch, expected: number): (string | null)[][] {
  let at = 0;
  const header = reply[at++];
  let count: number;
  if (header === 0xdc) {
    count = reply.readUInt16BE(at);
    at += 2;
  } else if (header === 0xdd) {
    count = reply.readUInt32BE(at);
    at += 4;
  } else if (header !== undefined && (header & 0xf0) === 0x90) count = header & 0x0f;
  else throw new TypeError(`mgetAcrossSlots: not a MessagePack array (0x${header?.toString(16) ?? 'empty'})`);
  if (count !== expected) throw new TypeError(`mgetAcrossSlots: ${count} values for ${expected} keys`);
  const groups = batch.groups.map(({ indexes }) => {
    const values = new Array<string | null>(indexes.length);
    for (let i = 0; i < values.length; i++) {
      const type = reply[at++]!;
      let length: number;
      if (type === 0xc2) {
        values[i] = null;
        continue;
      } else if ((type & 0xe0) === 0xa0) length = type & 0x1f;
      else if (type === 0xd9) length = reply[at++]!;
      else if (type === 0xda) {
        length = reply.readUInt16BE(at);
        at += 2;
      } else if (type === 0xdb) {
        length = reply.readUInt32BE(at);
        at += 4;
      } else throw new TypeError(`mgetAcrossSlots: unexpected MessagePack type 0x${type.toString(16)}`);
      if (at + length > reply.length) throw new TypeError('mgetAcrossSlots: a value runs past the end of the reply');
      values[i] = reply.toString('utf8', at, at + length);
      at += length;
    }
    return values;
  });
  if (at !== reply.length) throw new TypeError('mgetAcrossSlots: bytes left after the last value');
  return groups;
}
