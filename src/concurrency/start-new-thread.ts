// startNewThread: Python's @start_new_thread, as a wrapper and as a method decorator.
import { assertFunction, assertKnownKeys, assertOptionalString, assertOptionsObject } from '../utils/validate.js';
import { scheduleBackgroundTask } from './background.js';

/** Options of `startNewThread`. */
export interface StartNewThreadOptions {
  /** Name used in error reports. Default: the function's name. */
  name?: string;
}

/** Any method (the shape ClassMethodDecoratorContext itself requires). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyMethod<This> = (this: This, ...args: any) => any;

/**
 * Wraps `fn` so that each call schedules it as a background task and returns `undefined` at
 * once (Python's `@start_new_thread`). `fn` starts on a later event-loop turn, never inside
 * the caller. Unlike a Python daemon thread the task is tracked: `drainBackgroundTasks()` and
 * `installShutdownHooks()` let it finish before exit, and a failure goes to the
 * `onBackgroundError` handlers (default: stderr), never to an unhandled rejection.
 *
 * Also a TypeScript (stage 3) method decorator: `@startNewThread async publish() { ... }`.
 * TypeScript does not let a decorator change a method's declared type, so a decorated method
 * keeps its declared return type but returns `undefined`: don't await it.
 *
 * @example
 * const publishEvent = startNewThread((channel: string, message: string) => redis.publish(channel, message));
 * publishEvent('updates', 'model_saved'); // returns at once, publish happens in the background
 */
export function startNewThread<This, M extends AnyMethod<This>>(
  method: M,
  context: ClassMethodDecoratorContext<This, M>,
): M;
export function startNewThread<A extends unknown[]>(
  fn: (...args: A) => unknown,
  options?: StartNewThreadOptions,
): (...args: A) => void;
export function startNewThread(
  fn: (...args: unknown[]) => unknown,
  optionsOrContext?: StartNewThreadOptions | ClassMethodDecoratorContext,
): (...args: unknown[]) => void {
  assertFunction(fn, 'fn');
  if (isDecoratorContext(optionsOrContext)) {
    if (optionsOrContext.kind !== 'method') {
      throw new TypeError(`startNewThread decorates methods only, got a ${optionsOrContext.kind} decorator`);
    }
    const methodName = String(optionsOrContext.name);
    return function backgroundMethod(this: unknown, ...args: unknown[]): void {
      scheduleBackgroundTask(fn, this, args, ownerName(this, methodName));
    };
  }
  assertOptionsObject(optionsOrContext, 'options');
  assertKnownKeys(optionsOrContext, ['name'], 'options');
  assertOptionalString(optionsOrContext?.name, 'options.name');
  const name = optionsOrContext?.name ?? (fn.name || 'anonymous');
  return function background(this: unknown, ...args: unknown[]): void {
    scheduleBackgroundTask(fn, this, args, name);
  };
}

function isDecoratorContext(value: unknown): value is DecoratorContext {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === 'string' &&
    typeof (value as { addInitializer?: unknown }).addInitializer === 'function'
  );
}

/** `Class.method` for error reports; the class is read at call time so subclasses name themselves. */
function ownerName(self: unknown, methodName: string): string {
  if (typeof self === 'function' && self.name) return `${self.name}.${methodName}`;
  const ctor = (self as { constructor?: { name?: unknown } } | null | undefined)?.constructor;
  return typeof ctor?.name === 'string' && ctor.name !== '' ? `${ctor.name}.${methodName}` : methodName;
}
