// test tier: unit
// stoppableDelay: the one waiting rule behind retry backoffs (runs and bulk operations) and
// cluster redirect pauses. However a wait ends, it leaves no timer and no listener behind.
import { getEventListeners } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { stoppableDelay } from '../../src/concurrency/delay.js';

/** Listeners `signal` holds for 'abort'. */
function abortListeners(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length;
}

describe('stoppableDelay', () => {
  it('resolves true once the time has passed, and stops watching', async () => {
    const controller = new AbortController();
    const unwatch = vi.fn();
    const started = Date.now();
    expect(await stoppableDelay(30, { signal: controller.signal, stopWhen: () => unwatch })).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(unwatch).toHaveBeenCalledTimes(1);
    expect(abortListeners(controller.signal)).toBe(0);
  });

  it('resolves false at once for a signal already aborted, without starting a timer', async () => {
    const stopWhen = vi.fn(() => () => undefined);
    const timers = vi.spyOn(globalThis, 'setTimeout');
    try {
      expect(await stoppableDelay(60_000, { signal: AbortSignal.abort(), stopWhen })).toBe(false);
      expect(timers).not.toHaveBeenCalled();
    } finally {
      timers.mockRestore();
    }
    expect(stopWhen).not.toHaveBeenCalled();
  });

  it('resolves false when the signal aborts during the wait, clearing its timer and listeners', async () => {
    const controller = new AbortController();
    const unwatch = vi.fn();
    const cleared = vi.spyOn(globalThis, 'clearTimeout');
    try {
      const waiting = stoppableDelay(60_000, { signal: controller.signal, stopWhen: () => unwatch });
      expect(abortListeners(controller.signal)).toBe(1);
      controller.abort();
      expect(await waiting).toBe(false);
      expect(cleared).toHaveBeenCalledTimes(1);
    } finally {
      cleared.mockRestore();
    }
    expect(unwatch).toHaveBeenCalledTimes(1);
    expect(abortListeners(controller.signal)).toBe(0);
  });

  it('resolves false when stopWhen stops it, during the wait or while being set up', async () => {
    let stop: (() => void) | undefined;
    const unwatch = vi.fn();
    const later = stoppableDelay(60_000, {
      stopWhen: (s) => {
        stop = s;
        return unwatch;
      },
    });
    stop!();
    stop!();
    expect(await later).toBe(false);
    expect(unwatch).toHaveBeenCalledTimes(1);

    const controller = new AbortController();
    const unwatchAtOnce = vi.fn();
    const atOnce = stoppableDelay(60_000, {
      signal: controller.signal,
      stopWhen: (s) => {
        s();
        return unwatchAtOnce;
      },
    });
    expect(await atOnce).toBe(false);
    expect(unwatchAtOnce).toHaveBeenCalledTimes(1);
    expect(abortListeners(controller.signal)).toBe(0);
  });
});
