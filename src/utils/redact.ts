// The one place that decides what of a value may be shown in a message: every error message that
// echoes user input (describeValue) and every URL we print go through here, so that a password
// typed in the wrong place (a URL without its scheme, a URL passed where options were expected,
// an options object passed where a client was expected) is never repeated back.

/** Property names whose values are never shown. */
const SECRET_KEY = /pass(word|phrase)?$|^pwd$|secret|token|credential|^auth$|api[-_]?key|private[-_]?key/i;

const MASK = '***';

/** True for a property name such as `password`, `secret`, `token` or `auth`. */
function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * Masks the password of every URL-like word of `text`: `redis://user:secret@host` →
 * `redis://user:***@host`, and the same without a scheme (`user:secret@host`, `redis:user:secret@host`).
 * Everything up to the last `@` of a word counts as user info, so a password holding `@`, `/` or
 * `#` (even unencoded) never shows; user info without a `:` is masked whole.
 */
export function redactCredentials(text: string): string {
  if (!text.includes('@')) return text;
  return text.replace(/\S*@\S*/g, (word) => {
    const scheme = /^[^\s@]*?[a-z][a-z0-9+.-]*:\/\//i.exec(word)?.[0] ?? '';
    const rest = word.slice(scheme.length);
    const at = rest.lastIndexOf('@');
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    const shown = colon === -1 ? MASK : `${userinfo.slice(0, colon)}:${MASK}`;
    return `${scheme}${shown}${rest.slice(at)}`;
  });
}

/** Built-in objects shown as they are (their rendering holds nothing a password could hide in). */
function isOpaqueBuiltIn(value: object): boolean {
  return (
    value instanceof Date ||
    value instanceof RegExp ||
    value instanceof Promise ||
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value) ||
    value instanceof WeakMap ||
    value instanceof WeakSet ||
    (typeof AbortSignal !== 'undefined' && value instanceof AbortSignal)
  );
}

/**
 * A copy of `value` safe to render with `util.inspect` at up to `depth` levels: secret-named
 * properties masked, URL credentials in strings masked, a `URL` shown as its redacted text.
 * Objects of other classes are copied property by property under their own prototype, so the
 * rendering keeps their class name (`Redis { options: { password: '***', ... } }`).
 */
export function redactForDisplay(value: unknown, depth = 2, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactCredentials(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof URL) return redactCredentials(value.href);
  if (isOpaqueBuiltIn(value) || seen.has(value)) return value;
  if (depth < 0) return Array.isArray(value) ? [] : {};
  seen.add(value);
  if (value instanceof Map) {
    return new Map(
      [...value].map(([k, v]) => [
        redactForDisplay(k, depth - 1, seen),
        typeof k === 'string' && isSecretKey(k) ? MASK : redactForDisplay(v, depth - 1, seen),
      ]),
    );
  }
  if (value instanceof Set) return new Set([...value].map((v) => redactForDisplay(v, depth - 1, seen)));
  if (Array.isArray(value)) return value.map((item) => redactForDisplay(item, depth - 1, seen));
  const proto = Object.getPrototypeOf(value) as object | null;
  const copy = Object.create(proto === Object.prototype || proto === null ? proto : safePrototype(proto)) as Record<
    string,
    unknown
  >;
  for (const key of Object.keys(value)) {
    let property: unknown;
    try {
      property = (value as Record<string, unknown>)[key];
    } catch {
      property = '[unreadable]';
    }
    copy[key] = isSecretKey(key) ? MASK : redactForDisplay(property, depth - 1, seen);
  }
  return copy;
}

/**
 * A stand-in prototype that carries only the class name: the copy must not inherit the original's
 * custom `inspect` (a URL's prints its password) or getters that would read the original's state.
 */
function safePrototype(proto: object): object {
  const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
  const label = typeof name === 'string' && name !== '' ? name : 'Object';
  // A class expression named after the original: inspect prints `Label { ... }`.
  const stand = { [label]: class {} }[label]!;
  return stand.prototype;
}
