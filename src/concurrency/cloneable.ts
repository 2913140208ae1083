// What survives the trip to a worker thread. postMessage copies with the structured clone
// algorithm, which refuses functions, symbols and host objects it cannot copy (a Promise, a
// WeakMap...) with a DataCloneError that names the value but not where it sits. Nothing is
// checked before sending (that would walk every param on the main thread); only when a clone
// has failed does `describeUncloneable` search the value that failed for the part to blame.

/** Prototypes whose instances structured clone copies by their own rules (no need to try them). */
const CLONED_BY_KIND = new Set<unknown>([
  Object.prototype,
  Array.prototype,
  Map.prototype,
  Set.prototype,
  Date.prototype,
  RegExp.prototype,
  Boolean.prototype,
  Number.prototype,
  String.prototype,
  ArrayBuffer.prototype,
  SharedArrayBuffer.prototype,
  DataView.prototype,
  Error.prototype,
  EvalError.prototype,
  RangeError.prototype,
  ReferenceError.prototype,
  SyntaxError.prototype,
  TypeError.prototype,
  URIError.prototype,
  null,
]);

/**
 * Describes the first part of `value` that structured clone refuses (`params[3].fn is a function
 * (fn); …`), or undefined when none is found. `path` names the value. Objects in `transferList`
 * are accepted as they are. For the failure path only: it visits the whole value.
 */
export function describeUncloneable(
  value: unknown,
  path: string,
  transferList?: readonly unknown[],
): string | undefined {
  const transferred = transferList === undefined || transferList.length === 0 ? undefined : new Set(transferList);
  return visit(value, path, new Set(), transferred);
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
  if (value === null || seen.has(value) || transferred?.has(value)) return undefined;
  seen.add(value);
  if (ArrayBuffer.isView(value)) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = visit(value[i], `${path}[${i}]`, seen, transferred);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (value instanceof Map) {
    let i = 0;
    for (const [key, item] of value) {
      const problem =
        visit(key, `${path} (Map key #${i})`, seen, transferred) ??
        visit(item, `${path}.get(${describeKey(key)})`, seen, transferred);
      if (problem !== undefined) return problem;
      i++;
    }
    return undefined;
  }
  if (value instanceof Set) {
    let i = 0;
    for (const item of value) {
      const problem = visit(item, `${path} (Set item #${i++})`, seen, transferred);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const problem = visit((value as Record<string, unknown>)[key], propertyPath(path, key), seen, transferred);
    if (problem !== undefined) return problem;
  }
  // Its parts pass: an object of a kind structured clone does not know (a Promise, a WeakMap,
  // a MessagePort not in the transfer list) may still be refused as a whole.
  if (CLONED_BY_KIND.has(Object.getPrototypeOf(value))) return undefined;
  try {
    structuredClone(value);
    return undefined;
  } catch (error) {
    const name = (value.constructor as { name?: unknown } | undefined)?.name;
    const what = typeof name === 'string' && name !== '' ? `a ${name}` : 'an object';
    return `${path} is ${what}, which cannot be sent to another thread (${(error as Error).message})`;
  }
}

function propertyPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function describeKey(key: unknown): string {
  return typeof key === 'string' ? JSON.stringify(key) : typeof key === 'object' && key !== null ? '{…}' : String(key);
}
