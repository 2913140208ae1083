// The method-decorator forms of startNewThread: standard (stage 3) and experimentalDecorators.
import { scheduleBackgroundTask } from './background.js';

/** `experimentalDecorators` form: `(prototype, name, descriptor)`, returning the replaced descriptor. */
export function legacyMethodDecorator(
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
export function backgroundMethod(
  fn: (...args: unknown[]) => unknown,
  methodName: string,
): (...args: unknown[]) => void {
  return function backgroundMethod(this: unknown, ...args: unknown[]): void {
    scheduleBackgroundTask(fn, this, args, ownerName(this, methodName));
  };
}

/** Whether a second argument is a standard decorator's context object rather than options. */
export function isDecoratorContext(value: unknown): value is DecoratorContext {
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
