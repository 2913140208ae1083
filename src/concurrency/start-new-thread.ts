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
 * Also a method decorator, under TypeScript's standard (stage 3) decorators and under
 * `experimentalDecorators` (legacy decorators, as NestJS projects use): `@startNewThread async
 * publish() { ... }`. TypeScript does not let a decorator change a method's declared type, so a
 * decorated method keeps its declared return type but returns `undefined`: don't await it.
 *
 * @example
 * const publishEvent = startNewThread((channel: string, message: string) => redis.publish(channel, message));
 * publishEvent('updates', 'model_saved'); // returns at once, publish happens in the background
 */
export function startNewThread<This, M extends AnyMethod<This>>(
  method: M,
  context: ClassMethodDecoratorContext<This, M>,
): M;
export function startNewThread<M extends AnyMethod<never>>(
  target: object,
  propertyKey: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
): TypedPropertyDescriptor<M>;
export function startNewThread<A extends unknown[]>(
  fn: (...args: A) => unknown,
  options?: StartNewThreadOptions,
): (...args: A) => void;
export function startNewThread(
  fnOrTarget: unknown,
  optionsOrContext?: StartNewThreadOptions | ClassMethodDecoratorContext | string | symbol,
  descriptor?: PropertyDescriptor,
): ((...args: unknown[]) => void) | PropertyDescriptor {
  // A legacy decorator gets (prototype, key, descriptor); a property's descriptor is undefined.
  const legacyKey = typeof optionsOrContext === 'string' || typeof optionsOrContext === 'symbol';
  if (descriptor !== undefined || (legacyKey && typeof fnOrTarget === 'object' && fnOrTarget !== null)) {
    return legacyMethodDecorator(optionsOrContext as string | symbol, descriptor);
  }
  const fn = fnOrTarget as (...args: unknown[]) => unknown;
  assertFunction(fn, 'fn');
  if (isDecoratorContext(optionsOrContext)) {
    if (optionsOrContext.kind !== 'method') {
      throw new TypeError(`startNewThread decorates methods only, got a ${optionsOrContext.kind} decorator`);
    }
    return backgroundMethod(fn, String(optionsOrContext.name));
  }
  assertOptionsObject(optionsOrContext, 'options');
  assertKnownKeys(optionsOrContext, ['name'], 'options');
  assertOptionalString(optionsOrContext?.name, 'options.name');
  const name = optionsOrContext?.name ?? (fn.name || 'anonymous');
  return function background(this: unknown, ...args: unknown[]): void {
    scheduleBackgroundTask(fn, this, args, name);
  };
}

/** `experimentalDecorators` form: `(prototype, name, descriptor)`, returning the replaced descriptor. */
function legacyMethodDecorator(
  propertyKey: string | symbol,
  descriptor: PropertyDescriptor | undefined,
): PropertyDescriptor {
  if (typeof descriptor?.value !== 'function') {
    const what = descriptor?.get !== undefined || descriptor?.set !== undefined ? 'an accessor' : 'a property';
    throw new TypeError(
      `fn must be a method: startNewThread decorates methods only, got ${what} (${String(propertyKey)})`,
    );
  }
  return {
    ...descriptor,
    value: backgroundMethod(descriptor.value as (...args: unknown[]) => unknown, String(propertyKey)),
  };
}

/** The replacement of a decorated method: schedules the original with the same `this` and arguments. */
function backgroundMethod(fn: (...args: unknown[]) => unknown, methodName: string): (...args: unknown[]) => void {
  return function backgroundMethod(this: unknown, ...args: unknown[]): void {
    scheduleBackgroundTask(fn, this, args, ownerName(this, methodName));
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
