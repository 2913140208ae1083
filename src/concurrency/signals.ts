import { constants as osConstants } from 'node:os';

/** A repeat of a signal this soon after the first is the same signal delivered twice. */
export const DUPLICATE_SIGNAL_MS = 1000;

/** The shell's exit code for a process ended by `signal`: 128 + its number (SIGINT 130, SIGTERM 143). */
export function exitCodeOf(signal: NodeJS.Signals): number {
  return 128 + osConstants.signals[signal];
}

/** What a signal means to a graceful shutdown that may already be under way. */
export type SignalMeaning = 'first' | 'duplicate' | 'again';

/**
 * Tells a graceful shutdown's signals apart. The first starts it. One Ctrl-C or SIGTERM can
 * arrive twice (GNU `timeout` signals the child, then its process group; a terminal signals
 * the whole group), so a repeat within `DUPLICATE_SIGNAL_MS` is that same signal and must not
 * cut the shutdown short; a later one is a person asking to stop now.
 */
export function signalGate(now: () => number = Date.now): () => SignalMeaning {
  let firstAt: number | undefined;
  return () => {
    if (firstAt === undefined) {
      firstAt = now();
      return 'first';
    }
    return now() - firstAt < DUPLICATE_SIGNAL_MS ? 'duplicate' : 'again';
  };
}
