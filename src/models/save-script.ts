import { RedisScript } from '../redis/script.js';

// Writes a record, its TTL and its index entries atomically, as one command (a MULTI/EXEC
// of the same six commands costs ioredis more than Redis spends running them). Moving a record
// (a key field changed) removes the old one and its entries in the same call.
// KEYS: record, class set, key-field sets (ARGV[1] of them), sorted sets (ARGV[2]), then when
// moving: old record, old key-field sets. ARGV: counts, the record key as stored in the sets
// (KEYS carry a client keyPrefix, set members do not), TTL unit and value ('' for none), the
// old record key ('' unless moving), one score per sorted field ('' for null), field/value pairs.
export const SAVE_SCRIPT = new RedisScript(`
local nk, ns = tonumber(ARGV[1]), tonumber(ARGV[2])
local member, unit, ttl, old = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
if old ~= '' then
  redis.call('DEL', KEYS[3 + nk + ns])
  redis.call('SREM', KEYS[2], old)
  for i = 1, nk do redis.call('SREM', KEYS[3 + nk + ns + i], old) end
  for i = 1, ns do redis.call('ZREM', KEYS[2 + nk + i], old) end
end
redis.call('HSET', KEYS[1], unpack(ARGV, 7 + ns))
if unit == 'EX' then redis.call('EXPIRE', KEYS[1], ttl) elseif unit == 'PX' then redis.call('PEXPIRE', KEYS[1], ttl) end
redis.call('SADD', KEYS[2], member)
for i = 1, nk do redis.call('SADD', KEYS[2 + i], member) end
for i = 1, ns do
  local score = ARGV[6 + i]
  if score == '' then redis.call('ZREM', KEYS[2 + nk + i], member) else redis.call('ZADD', KEYS[2 + nk + i], score, member) end
end
return 1`);
