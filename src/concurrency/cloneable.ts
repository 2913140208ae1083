// What survives the trip to a worker thread and back. postMessage uses the structured clone
// algorithm: a function or a symbol makes it throw (and thrown inside a worker's reply it
// would crash the thread), while an instance of a class arrives as a plain object without its
// prototype, methods or getters — silently wrong. Both are caught here, before sending, with the
// path of the offending part, so the caller gets a TypeError instead of a crash or bad data.

const CLONED_WITH_PROTOTYPE = new Set<unknown>([
  Object.prototype,
  Array.prototype,
  Date.prototype,
  RegExp.prototype,
  Boolean.prototype,
  Number.prototype,
  String.prototype,
  ArrayBuffer.prototype,
  SharedArrayBuffer.prototype,
  DataView.prototype,
  Int8Array.prototype,
  Uint8Array.prototype,
  Uint8ClampedArray.prototype,
  Int16Array.prototype,
  Uint16Array.prototype,
  Int32Array.prototype,
  Uint32Array.prototype,
  Float32Array.prototype,
  Float64Array.prototype,
  BigInt64Array.prototype,
  BigUint64Array.prototype,
  Error.prototype,
  EvalError.prototype,
  RangeError.prototype,
  ReferenceError.prototype,
  SyntaxError.prototype,
  TypeError.prototype,
  URIError.prototype,
  Blob.prototype,
]);

/**
 * Describes the first part of `value` that cannot be sent to another thread intact, or returns
 * undefined when all of it can. `path` names the value in the message (`params[3]`, `result`).
 * Objects in `transferList` (ports, buffers being moved) are accepted as they are.
 *
 * Plain data passes: primitives but symbols, plain and null-prototype objects, arrays, Map,
 * Set, Date, RegExp, boxed primitives, ArrayBuffer, SharedArrayBuffer, typed arrays, DataView,
 * Blob and the built-in Error types. Cycles are fine (structured clone keeps them).
 */
export function findUncloneable(value: unknown, path: string, transferList?: readonly unknown[]): string | undefined {
  // Scalars (the common param: a number, a key) need no bookkeeping.
  if ((typeof value !== 'object' || value === null) && typeof value !== 'function' && typeof value !== 'symbol') {
    return undefined;
  }
  const seen = new Set<object>();
  const transferred = transferList === undefined || transferList.length === 0 ? undefined : new Set(transferList);
  return visit(value, path, seen, transferred);
}

function visit(
  value: unknown,
  path: string,
  seen: Set<object>,
  transferred: Set<unknown> | undefined,
): string | undefined {
  switch (typeof value) {
    case 'function':
      return `${path} is a function (${value.name || 'anonymous'}); functions cannot be sent to another thread`;
    case 'symbol':
      return `${path} is a symbol; symbols cannot be sent to another thread`;
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null || seen.has(value)) return undefined;
  seen.add(value);
  if (transferred?.has(value)) return undefined;
  const proto: unknown = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    if (proto !== Array.prototype) return lostPrototype(path, value);
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'object' || typeof item === 'function' || typeof item === 'symbol') {
        const problem = visit(item, `${path}[${i}]`, seen, transferred);
        if (problem !== undefined) return problem;
      }
    }
    return undefined;
  }
  if (proto === Map.prototype) {
    let i = 0;
    for (const [key, item] of value as Map<unknown, unknown>) {
      const problem =
        visit(key, `${path} (Map key #${i})`, seen, transferred) ??
        visit(item, `${path}.get(${describeKey(key)})`, seen, transferred);
      if (problem !== undefined) return problem;
      i++;
    }
    return undefined;
  }
  if (proto === Set.prototype) {
    let i = 0;
    for (const item of value as Set<unknown>) {
      const problem = visit(item, `${path} (Set item #${i++})`, seen, transferred);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (proto !== null && !CLONED_WITH_PROTOTYPE.has(proto)) return lostPrototype(path, value);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) return undefined;
  // Plain objects, errors and boxed primitives: structured clone copies own enumerable properties.
  for (const key of Object.keys(value)) {
    const problem = visit((value as Record<string, unknown>)[key], propertyPath(path, key), seen, transferred);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function lostPrototype(path: string, value: object): string {
  if (Buffer.isBuffer(value)) {
    return (
      `${path} is a Buffer, which arrives in the other thread as a plain Uint8Array without Buffer's methods; ` +
      'send a Uint8Array (new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)) and wrap it with Buffer.from() there'
    );
  }
  const name = (value.constructor as { name?: unknown } | undefined)?.name;
  const what =
    typeof name === 'string' && name !== '' ? `an instance of class ${name}` : 'an object with a custom prototype';
  return (
    `${path} is ${what}, which would arrive in the other thread as a plain object without its prototype and methods; ` +
    'send plain data (objects, arrays, Map, Set, Date, typed arrays) and rebuild the instance there'
  );
}

function propertyPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function describeKey(key: unknown): string {
  return typeof key === 'string' ? JSON.stringify(key) : typeof key === 'object' && key !== null ? '{…}' : String(key);
}

/** Throws a TypeError naming `name` and the offending part when `value` cannot be sent to a worker intact. */
export function assertSendable(value: unknown, name: string, transferList: readonly unknown[] | undefined): void {
  const problem = findUncloneable(value, name, transferList);
  if (problem !== undefined) throw new TypeError(`${name} cannot be sent to a worker thread: ${problem}`);
}
