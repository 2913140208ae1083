// startNewThread: Python's @start_new_thread, as a wrapper and as a method decorator (the
// decorator forms are in background-decorators.ts).
import { assertFunction, assertKnownKeys, optionNames, assertOptionsObject } from '../utils/validate.js';
import { defaultBackgroundTasks } from './background.js';
import { assertBackgroundTasks, type BackgroundFunctionOptions, type BackgroundTasks } from './background-registry.js';
import { backgroundMethod, isDecoratorContext, legacyMethodDecorator } from './background-decorators.js';

/** Options of `startNewThread`. */
export interface StartNewThreadOptions extends BackgroundFunctionOptions {
  /** The registry that tracks the calls (drain, error handlers, counters, bound). Default: `defaultBackgroundTasks`. */
  tasks?: BackgroundTasks;
}

const START_NEW_THREAD_OPTIONS = optionNames<StartNewThreadOptions>({ name: true, tasks: true });

/** Any method (the shape ClassMethodDecoratorContext itself requires). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyMethod<This> = (this: This, ...args: any) => any;

/**
 * Wraps `fn` so that each call schedules it as a background task and returns `undefined` at
 * once (Python's `@start_new_thread`). `fn` starts on a later event-loop turn, never inside
 * the caller. Unlike a Python daemon thread the task is tracked: `drainBackgroundTasks()` and
 * `installShutdownHooks()` let it finish before exit, and a failure goes to the
 * `onBackgroundError` handlers (default: stderr), never to an unhandled rejection.
 * With `{ tasks }` the calls belong to that registry instead of `defaultBackgroundTasks` (its
 * drain, its handlers, its counters and bound).
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
      throw new TypeError(`startNewThread decorates methods only, got a ${String(optionsOrContext.kind)} decorator`);
    }
    return backgroundMethod(fn, String(optionsOrContext.name));
  }
  assertOptionsObject(optionsOrContext, 'options');
  assertKnownKeys(optionsOrContext, START_NEW_THREAD_OPTIONS, 'options');
  const { tasks = defaultBackgroundTasks, ...options } = optionsOrContext ?? {};
  assertBackgroundTasks(tasks, 'options.tasks');
  return tasks.startNewThread(fn, options);
}
