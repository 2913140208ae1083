import { inspect } from 'node:util';
import { redactForDisplay } from './redact.js';

/**
 * A task ran longer than its `timeoutMs`. Carries the input index of the task, so a failure
 * in a bulk run can be traced back to the item that caused it.
 */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
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
export class TaskError extends Error {
  override readonly name = 'TaskError';
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
