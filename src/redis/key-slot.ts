/**
 * The Redis Cluster hash slot of a key, exactly as the server computes it (`CLUSTER KEYSLOT`).
 *
 * Why not `cluster-key-slot` (the module ioredis uses)? Version 1.1.2 differs from Redis in two
 * ways that send multi-key commands to the wrong slot (CROSSSLOT, MOVED):
 * - An empty tag: Redis hashes the whole key when the first `{` is followed at once by `}`
 *   (`user:{}}:1`); cluster-key-slot skips the empty tag and hashes up to the next `}` instead.
 * - A lone UTF-16 surrogate: ioredis writes strings as UTF-8 with such a code unit replaced by
 *   U+FFFD (`EF BF BD`, what `Buffer.from(string)` does), and the server hashes those bytes;
 *   cluster-key-slot encodes the surrogate as its own 3 bytes (`ED A0 80`, say) instead.
 * This function walks the UTF-8 bytes the server receives, without building them, and applies
 * Redis's rule (cluster.c `keyHashSlot`): hash the bytes between the first `{` and the first `}`
 * after it when there are any, else the whole key.
 */

import { describeValue } from '../utils/errors.js';

const SLOTS_MASK = 0x3fff;
const OPEN = 0x7b; // '{'
const CLOSE = 0x7d; // '}'

/** CRC16/XMODEM (polynomial 0x1021, initial 0), Redis's slot hash; one table lookup per byte. */
const CRC_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
    table[i] = crc & 0xffff;
  }
  return table;
})();

/** The hash slot (0..16383) of `key`, as `CLUSTER KEYSLOT` gives it for the same bytes. */
export function keySlot(key: string | Uint8Array): number {
  const slot = new SlotHasher();
  if (typeof key === 'string') feedUtf8(slot, key);
  else if (!(key instanceof Uint8Array)) {
    throw new TypeError(`key must be a string or a Buffer, got ${describeValue(key)}`);
  } else for (let i = 0; i < key.length && slot.result < 0; i++) slot.push(key[i]!);
  return slot.finish();
}

/** Redis's hash-tag state machine over bytes, with the whole-key CRC kept alongside the tag's. */
class SlotHasher {
  private whole = 0;
  private tag = 0;
  private tagLength = 0;
  /** 0: no '{' yet; 1: inside the first tag; 2: the tag was empty, so the whole key counts. */
  private state = 0;
  /** The slot once known before the end (a non-empty tag closed), else -1. */
  result = -1;

  push(byte: number): void {
    this.whole = ((this.whole << 8) & 0xff00) ^ CRC_TABLE[((this.whole >> 8) ^ byte) & 0xff]!;
    if (this.state === 0) {
      if (byte === OPEN) this.state = 1;
    } else if (this.state === 1) {
      if (byte === CLOSE) {
        if (this.tagLength === 0) this.state = 2;
        else this.result = this.tag & SLOTS_MASK;
      } else {
        this.tag = ((this.tag << 8) & 0xff00) ^ CRC_TABLE[((this.tag >> 8) ^ byte) & 0xff]!;
        this.tagLength++;
      }
    }
  }

  finish(): number {
    return this.result >= 0 ? this.result : this.whole & SLOTS_MASK;
  }
}

/** Feeds the UTF-8 encoding of `text` (lone surrogates as U+FFFD, like Buffer.from) until the slot is known. */
function feedUtf8(slot: SlotHasher, text: string): void {
  for (let i = 0; i < text.length && slot.result < 0; i++) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      slot.push(code);
      continue;
    }
    if (code < 0x800) {
      slot.push(0xc0 | (code >> 6));
      slot.push(0x80 | (code & 0x3f));
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        i++;
        slot.push(0xf0 | (code >> 18));
        slot.push(0x80 | ((code >> 12) & 0x3f));
        slot.push(0x80 | ((code >> 6) & 0x3f));
        slot.push(0x80 | (code & 0x3f));
        continue;
      }
      code = 0xfffd;
    }
    slot.push(0xe0 | (code >> 12));
    slot.push(0x80 | ((code >> 6) & 0x3f));
    slot.push(0x80 | (code & 0x3f));
  }
}
