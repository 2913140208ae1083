// test tier: unit
import { describe, expect, it } from 'vitest';
import { DUPLICATE_SIGNAL_MS, exitCodeOf, signalGate } from '../../src/concurrency/signals.js';

describe('signalGate', () => {
  it('tells the first signal, the same one delivered twice, and a later one apart', () => {
    let now = 1000;
    const gate = signalGate(() => now);
    expect(gate()).toBe('first');
    now += 10;
    expect(gate()).toBe('duplicate');
    now += DUPLICATE_SIGNAL_MS - 11;
    expect(gate()).toBe('duplicate');
    now += 1;
    expect(gate()).toBe('again');
  });

  it('gives the shell exit codes: 128 + the signal number', () => {
    expect(exitCodeOf('SIGINT')).toBe(130);
    expect(exitCodeOf('SIGTERM')).toBe(143);
  });
});
