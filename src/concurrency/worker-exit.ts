/**
 * Clean-ups a worker thread runs before it exits. A layer above the engine registers its own
 * (the Redis layer closes the worker's shared connection), so the engine cleans up what a task
 * module used without importing it: a pure CPU pool never loads ioredis, and the engine stays
 * below the Redis layer.
 */
type ExitHook = () => Promise<void> | void;

const hooks = new Set<ExitHook>();

/** Registers `hook` to run when this worker thread is asked to exit; returns its removal. */
export function onWorkerExit(hook: ExitHook): () => void {
  hooks.add(hook);
  return () => hooks.delete(hook);
}

/** Runs every registered clean-up, all of them even when one fails; resolves with the failures' messages. */
export async function runWorkerExitHooks(): Promise<string[]> {
  const outcomes = await Promise.allSettled([...hooks].map(async (hook) => hook()));
  return outcomes.flatMap((outcome) =>
    outcome.status === 'rejected'
      ? [outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason)]
      : [],
  );
}
