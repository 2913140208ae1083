// test tier: unit
// The soak tells an acknowledged write Redis itself discarded (asynchronous replication: its
// master died or stalled right after acknowledging it, and a replica took over without it) from
// a write we lost, by the fault log and the old master's server log.
import { describe, expect, it } from 'vitest';
import { discardedBy } from '../../bench/soak/invariants.js';
import type { Fault } from '../../bench/soak/faults.js';
import { keySlot } from '../../src/redis/key-slot.js';

const key = 'soak:setMany:1';
const slot = keySlot(key);
const fault = (kind: Fault['kind'], slots: [number, number][]): Fault => ({
  kind,
  port: 30001,
  start: 10_000,
  end: 14_000,
  slots,
});
const rejoined = '12:S 03 Dec 2026 18:00:01.000 * Reconfiguring myself as a replica of 4f1c...';

describe('discardedBy: writes Redis itself discarded', () => {
  it('a write acknowledged just before its master was killed: discarded by Redis', () => {
    const kill = fault('kill', [[slot, slot]]);
    expect(discardedBy(key, 9_990, [kill], new Map())).toMatch(/10 ms before its master \(30001\) was killed/);
  });

  it('a write acknowledged just before its master stalled, whose log shows it rejoined as a replica', () => {
    const stall = fault('sigstop', [[0, 16383]]);
    expect(discardedBy(key, 9_950, [stall], new Map([[stall, rejoined]]))).toMatch(
      /was stalled; its log: .*Reconfiguring myself as a replica/,
    );
  });

  it('is our loss otherwise: a stall without that log line, another slot, a write long before, a failover', () => {
    const stall = fault('sigstop', [[0, 16383]]);
    expect(discardedBy(key, 9_950, [stall], new Map([[stall, 'nothing about replicas']]))).toBeUndefined();
    const elsewhere = fault('kill', slot === 0 ? [[1, 16383]] : [[0, slot - 1]]);
    expect(discardedBy(key, 9_990, [elsewhere], new Map())).toBeUndefined();
    expect(discardedBy(key, 1_000, [fault('kill', [[slot, slot]])], new Map())).toBeUndefined();
    expect(discardedBy(key, 10_500, [fault('kill', [[slot, slot]])], new Map())).toBeUndefined();
    expect(discardedBy(key, 9_990, [fault('failover', [[slot, slot]])], new Map())).toBeUndefined();
  });
});
