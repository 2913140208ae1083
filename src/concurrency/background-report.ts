// Where the failure of a background task goes: the registry's handlers, else stderr.
import { stackOf } from '../utils/errors.js';

/** What a background-error handler is told about the task that failed. */
export interface BackgroundTaskInfo {
  /** The task's name: the `name` option, else the function's name. */
  name: string;
  /** The arguments the task was called with. */
  args: unknown[];
}

/** Receives the error of a failed background task. */
export type BackgroundErrorHandler = (error: unknown, task: BackgroundTaskInfo) => void;

/**
 * Sends `error` to `handlers`, or prints it to stderr as Python does when there are none. A
 * handler that throws must not turn into an unhandled exception: both errors are printed.
 */
export function reportToHandlers(
  handlers: ReadonlySet<BackgroundErrorHandler>,
  error: unknown,
  info: BackgroundTaskInfo,
): void {
  if (handlers.size === 0) {
    printBackgroundError(error, info);
    return;
  }
  for (const handler of [...handlers]) {
    try {
      handler(error, info);
    } catch (handlerError) {
      printBackgroundError(error, info);
      printBackgroundError(handlerError, { name: `onBackgroundError handler for ${info.name}`, args: [] });
    }
  }
}

function printBackgroundError(error: unknown, info: BackgroundTaskInfo): void {
  process.stderr.write(`Exception in background task ${info.name}: ${stackOf(error)}\n`);
}
