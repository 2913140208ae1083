import type { FollowOptions } from '../redis/redirects.js';
import { RedisScript } from '../redis/script.js';

/**
 * How a save is sent: a save leaves the same record and index entries however often it runs (it
 * writes the whole record, and removing what it left is a no-op the second time), so one whose
 * connection was cut before its reply is sent again. Not a delete: its reply, whether the record
 * existed, would change.
 */
export const SAVE_IS_REPEATABLE: FollowOptions = { repeatable: true };

/**
 * Every write of a record and its indexes, atomically, as one script call (a MULTI/EXEC of
 * the same commands costs ioredis more than Redis spends running them). The removal of a
 * record is written once, in `remove`, and serves delete, index cleaning and the old record of
 * a move alike.
 *
 * KEYS: the record's keys as `RecordIndexes` builds them — record, class set, set indexes
 * (nk: `$KeyF`, `$UniqueKeyF`), valued indexes (ns: `$SortF`, `$SortedKeyF`, `$GeoF`,
 * `$RelationshipF`) — and for a save that moves the record (a key field changed, or the name of
 * a partitioned or related index): the old record, its nk sets and its ns valued indexes.
 * ARGV: op, nk, ns, the record key as stored in the sets (KEYS carry a client keyPrefix, set
 * members do not), then for op 'save': TTL unit and value ('' for none), the old record key (''
 * unless moving; the record key itself when only the names of its valued indexes changed: it
 * then leaves the old ones, and keeps its hash), one value per valued index — a score (ZADD), `g<longitude> <latitude>`
 * (GEOADD), `s` (SADD), or '' (for null: out of that index) — and the hash's field/value pairs.
 * A valued index is removed from with ZREM, or SREM when it is a set (a Relationship's).
 *
 * ops: 'save' writes the record (HSET keeps an existing TTL, as Popoto's save does, unless a
 * new one is given) and its index entries; 'delete' removes the record and its entries and
 * returns 1 if the record existed; 'clean' removes the entries of a record only if the record
 * is gone (its TTL expired), so a record saved again meanwhile keeps them, and returns 1 if it
 * cleaned.
 */
export const RECORD_SCRIPT = new RedisScript(`
local op, nk, ns, member = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local function unindex(key, member)
  local removed = redis.pcall('ZREM', key, member)
  if type(removed) == 'table' and removed.err then redis.call('SREM', key, member) end
end
local function remove(record, member, first)
  local removed = redis.call('DEL', record)
  redis.call('SREM', KEYS[2], member)
  for i = first, first + nk - 1 do redis.call('SREM', KEYS[i], member) end
  for i = first + nk, first + nk + ns - 1 do unindex(KEYS[i], member) end
  return removed
end
if op == 'delete' then return remove(KEYS[1], member, 3) end
if op == 'clean' then
  if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
  remove(KEYS[1], member, 3)
  return 1
end
local unit, ttl, old = ARGV[5], ARGV[6], ARGV[7]
if old == member then
  -- The same record, now in other partitions or related to another record: out of its old valued indexes only.
  for i = 4 + nk + ns + nk, 3 + nk + ns + nk + ns do unindex(KEYS[i], member) end
elseif old ~= '' then remove(KEYS[3 + nk + ns], old, 4 + nk + ns) end
redis.call('HSET', KEYS[1], unpack(ARGV, 8 + ns))
if unit == 'EX' then redis.call('EXPIRE', KEYS[1], ttl) elseif unit == 'PX' then redis.call('PEXPIRE', KEYS[1], ttl) end
redis.call('SADD', KEYS[2], member)
for i = 3, 2 + nk do redis.call('SADD', KEYS[i], member) end
for i = 1, ns do
  local value, key = ARGV[7 + i], KEYS[2 + nk + i]
  local kind = string.sub(value, 1, 1)
  if value == '' then unindex(key, member)
  elseif kind == 's' then redis.call('SADD', key, member)
  elseif kind == 'g' then
    local longitude, latitude = string.match(value, '^g(%S+) (%S+)$')
    redis.call('GEOADD', key, longitude, latitude, member)
  else redis.call('ZADD', key, value, member) end
end
return 1`);
