/** What may end a `stoppableDelay` early. */
export interface DelayStops {
  /** Aborted before or during the wait: the wait ends at once. */
  signal?: AbortSignal | undefined;
  /**
   * Any other reason to stop waiting (a run that stopped, a client closed for good): called once
   * with the function that ends the wait, it returns the function that stops watching.
   */
  stopWhen?: ((stop: () => void) => () => void) | undefined;
}

/**
 * Waits `ms`, unless stopped first (see `DelayStops`). Resolves true when the full time passed,
 * false when the wait was stopped. However it ends, the timer is cleared and every listener
 * removed, so a wait that is over holds nothing. The one waiting rule for retry backoffs (runs
 * and bulk operations) and cluster redirect pauses.
 */
export function stoppableDelay(ms: number, { signal, stopWhen }: DelayStops = {}): Promise<boolean> {
  if (signal?.aborted === true) return Promise.resolve(false);
  return new Promise((resolve) => {
    let over = false;
    let unwatch: (() => void) | undefined = undefined;
    const finish = (how: 'elapsed' | 'stopped'): void => {
      if (over) return;
      over = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', stopped);
      unwatch?.();
      resolve(how === 'elapsed');
    };
    const stopped = (): void => finish('stopped');
    const timer = setTimeout(() => finish('elapsed'), ms);
    signal?.addEventListener('abort', stopped, { once: true });
    unwatch = stopWhen?.(stopped);
    // stopWhen may stop the wait while being set up (a run that has already stopped).
    if (over) unwatch?.();
  });
}
