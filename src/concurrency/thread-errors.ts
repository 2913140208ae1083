// Errors crossing the thread boundary. Structured clone keeps an Error's message and stack but
// only the built-in names: a `class NotFoundError extends Error` arrives as a plain `Error`,
// its `code` and other properties gone. So the worker sends an explicit record instead (name,
// message, stack, own properties, cause, AggregateError's errors) and the main thread rebuilds
// a real Error from it.
import { describeValue, messageOf, PopotoError, type PopotoErrorCode } from '../utils/errors.js';
import { describeUncloneable } from './cloneable.js';

const MARK = '__popotoThreadError';

/**
 * A ThreadPool task failed because its worker thread died under it: the task called
 * `process.exit()`, or something in the worker threw outside any task's promise (an uncaught
 * exception, in a timer say). The thread has been replaced; the other tasks go on.
 */
export class ThreadCrashError extends PopotoError {
  override readonly name: string = 'ThreadCrashError';
  override readonly code: PopotoErrorCode = 'ERR_POPOTO_THREAD_CRASHED';
  /** The thread's exit code when it exited; undefined when it died of an uncaught exception (see `cause`). */
  readonly exitCode: number | undefined;

  constructor(message: string, options: { exitCode?: number; cause: unknown }) {
    super(message, { cause: options.cause });
    this.exitCode = options.exitCode;
  }
}

/**
 * The ThreadPool is closed: `close()` was called, so it takes no new task, and a task still
 * queued when the `close()` timeout passed is failed with this too (it never started). Not an
 * argument error: create a new ThreadPool to go on.
 */
export class ThreadPoolClosedError extends PopotoError {
  override readonly name: string = 'ThreadPoolClosedError';
  override readonly code: PopotoErrorCode = 'ERR_POPOTO_THREAD_POOL_CLOSED';
}

/**
 * A worker thread's clean-up at `close()` failed (closing its Redis connection, say). The
 * pool still closes; the error goes to the background error handler (`onBackgroundError`),
 * since no caller awaits that clean-up.
 */
export class ThreadCleanupError extends PopotoError {
  override readonly name: string = 'ThreadCleanupError';
  override readonly code: PopotoErrorCode = 'ERR_POPOTO_THREAD_CLEANUP';
}

/**
 * Worker threads cannot load popoto-ts from its TypeScript sources: that needs tsx installed
 * beside it. Only a checkout run from its sources meets this; the published build never does.
 */
export class TsxNotFoundError extends PopotoError {
  override readonly name: string = 'TsxNotFoundError';
  override readonly code: PopotoErrorCode = 'ERR_POPOTO_TSX_NOT_FOUND';
}

/** An error as sent from a worker thread. */
interface ErrorRecord {
  [MARK]: 'error';
  name: string;
  message: string;
  stack: string | undefined;
  /** The built-in constructor to rebuild with (TypeError...), else Error. */
  builtin: string;
  props: Record<string, unknown>;
  cause?: unknown;
  hasCause: boolean;
  errors?: unknown[];
}

/** A thrown value that is not an Error, sent as is. */
interface ValueRecord {
  [MARK]: 'value';
  value: unknown;
}

const BUILTINS: Record<string, new (message?: string) => Error> = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
};

const MAX_DEPTH = 8;

/** Encodes anything a task threw into a record that survives postMessage. Runs in the worker. */
export function encodeThrown(thrown: unknown, depth = 0): ErrorRecord | ValueRecord {
  if (!(thrown instanceof Error)) {
    if (describeUncloneable(thrown, 'the thrown value') === undefined) return { [MARK]: 'value', value: thrown };
    return encodeThrown(
      new TypeError(`the task threw ${describeValue(thrown)}, which cannot be sent back from its worker thread`),
      depth,
    );
  }
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(thrown)) {
    if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause' || key === 'errors') continue;
    const value = (thrown as unknown as Record<string, unknown>)[key];
    props[key] = describeUncloneable(value, key) === undefined ? value : describeValue(value);
  }
  const record: ErrorRecord = {
    [MARK]: 'error',
    name: thrown.name,
    message: thrown.message,
    stack: thrown.stack,
    builtin: builtinOf(thrown),
    props,
    hasCause: 'cause' in thrown,
  };
  if (record.hasCause && depth < MAX_DEPTH) record.cause = encodeThrown(thrown.cause, depth + 1);
  // AggregateError's `errors`, or the same shape on another error (a BulkOperationError).
  const nested: unknown = (thrown as { errors?: unknown }).errors;
  if (Array.isArray(nested) && depth < MAX_DEPTH) {
    record.errors = (nested as unknown[]).map((error) => encodeThrown(error, depth + 1));
  }
  return record;
}

/** The nearest built-in error class of `error` (a subclass of TypeError is rebuilt as a TypeError). */
function builtinOf(error: Error): string {
  if (error instanceof AggregateError) return 'AggregateError';
  for (const [name, builtin] of Object.entries(BUILTINS)) {
    if (name !== 'Error' && error instanceof builtin) return name;
  }
  return 'Error';
}

/** True for a record made by `encodeThrown`. */
function isThrownRecord(value: unknown): value is ErrorRecord | ValueRecord {
  return typeof value === 'object' && value !== null && MARK in value;
}

/**
 * Rebuilds what the task threw: an Error of the nearest built-in class with the original
 * name, message, stack (the worker's frames), own properties, cause and AggregateError errors;
 * a thrown non-Error value as it was.
 */
export function decodeThrown(record: unknown): unknown {
  if (!isThrownRecord(record)) return record;
  if (record[MARK] === 'value') return record.value;
  const decodeNested = (value: unknown): unknown => (isThrownRecord(value) ? decodeThrown(value) : value);
  const error =
    record.builtin === 'AggregateError'
      ? new AggregateError((record.errors ?? []).map(decodeNested), record.message)
      : new (BUILTINS[record.builtin] ?? Error)(record.message);
  if (error.name !== record.name) {
    Object.defineProperty(error, 'name', { value: record.name, writable: true, configurable: true, enumerable: false });
  }
  Object.defineProperty(error, 'stack', { value: record.stack, writable: true, configurable: true, enumerable: false });
  if (record.hasCause) {
    Object.defineProperty(error, 'cause', {
      value: decodeNested(record.cause),
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  Object.assign(error, record.props);
  if (record.builtin !== 'AggregateError' && record.errors !== undefined) {
    Object.defineProperty(error, 'errors', {
      value: record.errors.map(decodeNested),
      writable: true,
      configurable: true,
      enumerable: true,
    });
  }
  return error;
}

/**
 * The failure of a task that was running when its worker thread died: `exitCode` when the
 * thread exited (`process.exit()` in the task), else the uncaught error it died of (`cause`).
 */
export function crashError(label: string, exitCode: number | undefined, cause: unknown): ThreadCrashError {
  if (cause === undefined && exitCode !== undefined) {
    return new ThreadCrashError(
      `${label} failed: its worker thread exited with code ${exitCode} (process.exit() in the task?); the thread has been replaced`,
      { exitCode, cause: undefined },
    );
  }
  const message = messageOf(cause);
  const uncaught = message === '' ? 'an uncaught exception' : `an uncaught exception: ${message}`;
  return new ThreadCrashError(
    `${label} failed: its worker thread crashed with ${uncaught}; the thread has been replaced`,
    {
      exitCode,
      cause,
    },
  );
}

/**
 * The TypeError a task fails with when its result cannot be cloned back to the main thread,
 * naming the part (`result.callback is a function …`), or undefined when the result is not to
 * blame. Runs in the worker, only after a reply failed to clone.
 */
export function uncloneableResult(value: unknown, transferList: readonly unknown[] | undefined): TypeError | undefined {
  const problem = describeUncloneable(value, 'result', transferList);
  return problem === undefined
    ? undefined
    : new TypeError(`the task's result cannot be sent back from its worker thread: ${problem}`);
}

/** What a closed ThreadPool throws at a new task. */
export function closedPoolError(poolName: string): ThreadPoolClosedError {
  return new ThreadPoolClosedError(`${poolName} is closed: create a new ThreadPool`);
}
