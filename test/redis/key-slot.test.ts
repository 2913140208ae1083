// needs: local cluster
// keySlot against the real thing: CLUSTER KEYSLOT of a running cluster node, for the keys
// cluster-key-slot gets wrong and for generated hostile keys. The key goes to the server
// through ioredis, so the server hashes exactly the bytes ioredis sends.
import calculateSlot from 'cluster-key-slot';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keySlot } from '../../src/redis/index.js';
import { newCluster } from '../helpers/redis.js';
import { hostileKey } from './helpers/hostile-keys.js';

const cluster = newCluster();

/** What the server computes for the bytes ioredis sends for `key`. */
async function serverSlot(key: string | Buffer): Promise<number> {
  return Number(await cluster.call('CLUSTER', 'KEYSLOT', key));
}

describe('keySlot', () => {
  it.each([
    ['the CRC16 check value', '123456789'],
    ['a plain key', 'user:1000'],
    ['a hash tag', 'user:{1000}:profile'],
    ['an empty tag followed by a closing brace', 'user:{}}:1'],
    ['an empty tag then a real one', 'foo{}{bar}'],
    ['an empty tag alone', '{}'],
    ['an unclosed brace', 'a{b'],
    ['a closing brace first', 'a}b{c}d'],
    ['nested braces', '{a{b}c}'],
    ['a brace inside the tag', '{{a}}'],
    ['a lone high surrogate', 'x\uD800y'],
    ['a lone low surrogate in a tag', '{\uDC00}z'],
    ['a reversed surrogate pair', '\uDE00\uD83D'],
    ['an emoji tag', 'k{😀}'],
    ['multi-byte text', 'ключ:{значение}'],
    ['the empty key', ''],
  ])('matches CLUSTER KEYSLOT for %s', async (_label, key) => {
    expect(keySlot(key)).toBe(await serverSlot(key));
  });

  it('matches CLUSTER KEYSLOT for bytes given as a Buffer', async () => {
    const bytes = Buffer.from([0x7b, 0x7d, 0x7d, 0xff, 0xfe, 0x00, 0x7b, 0x61, 0x7d]);
    expect(keySlot(bytes)).toBe(await serverSlot(bytes));
  });

  it('matches CLUSTER KEYSLOT for every generated hostile key (property test)', async () => {
    await fc.assert(
      fc.asyncProperty(hostileKey(16), async (key) => {
        expect(keySlot(key)).toBe(await serverSlot(key));
      }),
      { numRuns: 1500 },
    );
  });

  it('is the same function as Buffer.from then hashing bytes (strings are UTF-8 with U+FFFD for lone surrogates)', () => {
    fc.assert(
      fc.property(hostileKey(24), (key) => {
        expect(keySlot(key)).toBe(keySlot(Buffer.from(key, 'utf8')));
      }),
      { numRuns: 5000 },
    );
  });

  it('is right where cluster-key-slot (which ioredis uses) is not: why the bulk operations route on their own', async () => {
    for (const key of ['user:{}}:1', 'foo{}{bar}', 'x\uD800y']) {
      const server = await serverSlot(key);
      expect(keySlot(key)).toBe(server);
      expect(calculateSlot(key)).not.toBe(server);
    }
  });
});
