import { inspect } from 'node:util';
import { redactForDisplay } from './redact.js';

/** The stable code of an error popoto-ts throws on purpose (the README lists every one). */
export type PopotoErrorCode = `ERR_POPOTO_${string}`;

/**
 * The base of every error popoto-ts throws on purpose that is not an argument error (those stay
 * `TypeError` and `RangeError`). Tell errors apart by `instanceof` or by `code`, which is stable
 * across versions, never by the message.
 */
export class PopotoError extends Error {
  override readonly name: string = 'PopotoError';
  /** Stable code, `ERR_POPOTO_...`: see the README's error table. */
  readonly code: PopotoErrorCode = 'ERR_POPOTO_ERROR';
}

/**
 * A task ran longer than its `timeoutMs`. Carries the input index of the task, so a failure
 * in a bulk run can be traced back to the item that caused it. (Named apart from the platform's
 * `TimeoutError`, the DOMException `AbortSignal.timeout()` aborts with.)
 */
export class TaskTimeoutError extends PopotoError {
  override readonly name: string = 'TaskTimeoutError';
  override readonly code: PopotoErrorCode = 'ERR_POPOTO_TASK_TIMEOUT';
  /** Input index of the task that timed out. */
  readonly index: number;
  /** The limit that was exceeded, in milliseconds. */
  readonly timeoutMs: number;

  constructor(index: number, timeoutMs: number) {
    super(`task ${index} timed out after ${timeoutMs} ms`);
    this.index = index;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * One failed task inside the `AggregateError` of a run with `stopOnError: false`.
 * The original thrown value is `cause`; `index` is the position of its input.
 * (A wrapper rather than a property written onto the original error, because a task may
 * throw a frozen object or a primitive, and because we do not mutate callers' errors.)
 */
export class TaskError extends PopotoError {
  override readonly name: string = 'TaskError';
  override readonly code: PopotoErrorCode = 'ERR_POPOTO_TASK_FAILED';
  /** Input index of the failed task. */
  readonly index: number;

  constructor(index: number, cause: unknown) {
    super(`task ${index} failed: ${messageOf(cause)}`, { cause });
    this.index = index;
  }
}

/** The message of a thrown value, whatever was thrown. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return describeValue(error);
}

/** The stack of a thrown value if it has one, else a readable rendering of it. */
export function stackOf(error: unknown): string {
  if (error instanceof Error && typeof error.stack === 'string') return error.stack;
  return describeValue(error);
}

/**
 * A short, single-line rendering of any value for error messages. Passwords are masked (see
 * `redactForDisplay`): a value shown back is often a connection setting in the wrong place.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  const text = inspect(redactForDisplay(value), {
    depth: 1,
    breakLength: Infinity,
    maxArrayLength: 5,
    maxStringLength: 60,
  });
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
