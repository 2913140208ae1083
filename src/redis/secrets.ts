import type { AnyRedisClient } from './client-shape.js';

/**
 * Commands whose arguments are credentials. ioredis attaches the failed command to its errors
 * (`error.command = { name, args }`), and when a reconnect's AUTH fails (a rotated password, say)
 * it rejects every queued command with that AUTH error: its args are the password.
 */
const CREDENTIAL_COMMANDS = new Set(['auth', 'hello', 'migrate', 'acl', 'config']);

const MASK = '***';

/** The passwords a client logs in with (its own options; on a cluster, the nodes' options too). */
export function secretsOf(client: AnyRedisClient | undefined): string[] {
  if (client === undefined) return [];
  const options = client.options as { password?: unknown; redisOptions?: { password?: unknown } };
  return [options.password, options.redisOptions?.password].filter(
    (secret): secret is string => typeof secret === 'string' && secret !== '',
  );
}

/** `text` with every occurrence of each secret replaced by `***`. */
export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
  return out;
}

/**
 * Removes credentials from an error that came out of ioredis, in place, and returns it: the
 * arguments of a credential command (AUTH, HELLO ... AUTH, MIGRATE ... AUTH, ACL, CONFIG) are
 * masked, and `secrets` are masked wherever they appear in messages, stacks and other command
 * arguments. Follows `cause`, `errors` (AggregateError) and any other error-valued property
 * (`lastNodeError`, `previousErrors`), so nothing is left at any depth of `util.inspect`.
 *
 * In place, because ioredis hands one error object to many commands (and to 'error' listeners):
 * scrubbing it once, as soon as it appears, cleans every copy a caller could hold.
 */
export function redactError<E>(error: E, secrets: readonly string[] = [], seen = new WeakSet<object>()): E {
  if (error === null || typeof error !== 'object' || seen.has(error)) return error;
  seen.add(error);
  if (Array.isArray(error)) {
    for (const item of error) redactError(item, secrets, seen);
    return error;
  }
  const record = error as Record<string, unknown>;
  if (error instanceof Error) {
    rewrite(record, 'message', secrets);
    rewrite(record, 'stack', secrets);
  }
  redactCommand(record.command, secrets);
  for (const key of new Set([...Object.keys(record), 'cause', 'errors'])) {
    const value = record[key];
    if (value !== null && typeof value === 'object' && (value instanceof Error || Array.isArray(value))) {
      redactError(value, secrets, seen);
    }
  }
  return error;
}

function rewrite(record: Record<string, unknown>, key: string, secrets: readonly string[]): void {
  const value = record[key];
  if (typeof value !== 'string' || secrets.length === 0) return;
  const scrubbed = scrubText(value, secrets);
  if (scrubbed === value) return;
  try {
    record[key] = scrubbed;
  } catch {
    // A frozen error: nothing we can change, and nothing of ours put the secret there.
  }
}

function redactCommand(command: unknown, secrets: readonly string[]): void {
  if (command === null || typeof command !== 'object') return;
  const { name, args } = command as { name?: unknown; args?: unknown };
  if (!Array.isArray(args)) return;
  const credential = typeof name === 'string' && CREDENTIAL_COMMANDS.has(name.toLowerCase());
  const masked = args.map((arg: unknown) =>
    credential ? MASK : typeof arg === 'string' ? scrubText(arg, secrets) : arg,
  );
  try {
    (command as { args: unknown[] }).args = masked;
  } catch {
    // frozen: see rewrite()
  }
}
