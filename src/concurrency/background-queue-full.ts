// The error of a background registry that refuses one more task.
import { PopotoError, type PopotoErrorCode } from '../utils/errors.js';

/**
 * The background queue is full: `maxPending` tasks are already pending. Thrown synchronously
 * by the call that would have scheduled one more, so nothing is ever dropped silently. Not an
 * argument error (the same call succeeds once the queue has drained): a `PopotoError`.
 */
export class BackgroundQueueFullError extends PopotoError {
  override readonly name: string = 'BackgroundQueueFullError';
  override readonly code: PopotoErrorCode = 'ERR_POPOTO_BACKGROUND_QUEUE_FULL';
  /** Tasks pending when the call was refused. */
  readonly pending: number;
  /** The limit in force (see `configureBackgroundTasks`). */
  readonly maxPending: number;

  constructor(taskName: string, pending: number, maxPending: number) {
    super(
      `background queue is full: ${pending} tasks pending (maxPending ${maxPending}), so ${taskName} was not scheduled; ` +
        'await drainBackgroundTasks() before scheduling more, or raise the limit with configureBackgroundTasks({ maxPending })',
    );
    this.pending = pending;
    this.maxPending = maxPending;
  }
}
