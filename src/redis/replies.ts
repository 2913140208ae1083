import { ioredis } from './ioredis-loader.js';

// The one place that reads the text of an error, for the errors that carry nothing else: Redis
// error replies (the protocol puts the error's code first: "MOVED 3999 host:port", "NOSCRIPT ...")
// and the few ioredis errors that have no code. Everything else in popoto-ts tells errors apart
// by class or `code`.

/** ioredis's wrapping of the last redirect once its own count ran out. */
const TOO_MANY = 'Too many Cluster redirections. Last error: ';
/**
 * ioredis's refusal of a whole auto-pipeline whose keys the slot map, refreshed meanwhile (a
 * failover), now puts on different nodes. It is raised before anything is sent.
 */
const REGROUPED = 'All keys in the pipeline should belong to the same slots allocation group';

/** A Redis error reply, read: its code (the first word) and the words after it. */
export interface Reply {
  code: string;
  words: string[];
}

/**
 * The Redis error reply `error` carries, also through ioredis's "Too many Cluster redirections"
 * wrapping (the last reply it got); undefined for anything that is not an Error.
 */
export function replyOf(error: unknown): Reply | undefined {
  if (!(error instanceof Error)) return undefined;
  let text = error.message;
  if (text.startsWith(TOO_MANY)) text = text.slice(TOO_MANY.length).replace(/^\w*Error: /, '');
  const [code = '', ...words] = text.split(' ');
  return { code, words };
}

/**
 * A cluster node's refusal of a script that touches a key or shard channel not served there
 * (scripts that name it in ARGV, not KEYS, are checked as each command runs): `'elsewhere'` (the
 * slot lives on another node, or is being migrated) or `'down'` (the cluster is down). Redis
 * raises it before the command runs, and a script whose commands all touch one slot is refused
 * at its first, so nothing of it ran. Undefined for any other error.
 */
export function scriptRefusedBySlot(error: unknown): 'elsewhere' | 'down' | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.message.includes('Script attempted to access a non local key in a cluster node')) return 'elsewhere';
  if (/Script attempted to execute a (write )?command while the cluster is down/.test(error.message)) return 'down';
  return undefined;
}

/** Whether `error` is a Redis server's error reply (from any copy of ioredis), not a failure of the connection or the client. */
export function isErrorReply(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}

/** Redis's codes for states that pass: a server loading its data set, busy with a script, or a replica without its master. */
const PASSING_STATES: ReadonlySet<string> = new Set(['LOADING', 'BUSY', 'MASTERDOWN']);

/** Whether `error` is the reply of a server in a state that passes (`LOADING`, `BUSY`, `MASTERDOWN`). */
export function saysStatePasses(error: unknown): boolean {
  return PASSING_STATES.has(replyOf(error)?.code ?? '');
}

/** True for ioredis's refusal of an auto-pipeline whose slot map changed under it (nothing was sent). */
export function isRegroupedPipeline(error: unknown): boolean {
  return error instanceof Error && error.message === REGROUPED;
}

/**
 * True for a server's refusal of an AUTH because it has no password (Redis < 6: "Client sent
 * AUTH, but no password is set"; 6 and later: "... called without any password configured ...").
 * Both are plain ERR replies, so only their words tell.
 */
export function saysNoPasswordSet(error: unknown): boolean {
  return error instanceof Error && /no password is set|without any password configured/i.test(error.message);
}

/**
 * redis-errors' base class, which ioredis exports only through `ReplyError`'s prototype; its
 * `AbortError` (a command aborted by a connection close) is recognised by class and name.
 */
function redisErrorClass(): new () => Error {
  return Object.getPrototypeOf(ioredis().ReplyError) as new () => Error;
}

/** Whether ioredis aborted the command because its connection closed before it was answered. */
export function abortedByClose(error: unknown): boolean {
  // The name first: an error of another name needs no ioredis loaded to be told apart.
  return error instanceof Error && error.name === 'AbortError' && error instanceof redisErrorClass();
}
