import type { ChainableCommander, Command } from 'ioredis';
import { ioredis } from './ioredis-loader.js';

/** What a command built here may carry as arguments. */
export type CommandArgument = string | Buffer | number;

/**
 * The client methods sent this way: `mget` (getMany's batches) and the script calls of a batch
 * of records (`evalshaBuffer`: EVALSHA with bulk string replies as Buffers).
 */
export type DirectMethod = 'mget' | 'evalsha' | 'evalshaBuffer' | 'eval' | 'evalBuffer';

interface CommandSender {
  options: { keyPrefix?: string | Buffer; showFriendlyErrorStack?: boolean };
  sendCommand(command: Command): unknown;
  status?: string;
  isPipeline?: boolean;
  /** A client's commands waiting in auto-pipelines, not yet written (a pipeline has none). */
  autoPipelineQueueSize?: number;
}

/** How ioredis names a command's method that replies with Buffers (`getBuffer`). */
const BUFFER_SUFFIX = 'Buffer';

/**
 * Queues (on a pipeline) or sends (on a client) the command of the client method `method` with
 * `args`, as that method does, but, unless the order of earlier calls needs it (below), not
 * through ioredis's auto-pipelining. A command that carries a whole batch (hundreds of keys or
 * records) gains nothing from being gathered with others: the auto-pipeline only adds a
 * pipeline, its promises and a deferred flush per batch, and holds every batch of a tick back
 * until the tick ends, while sent at once Redis starts on the first batch as the client builds
 * the next (the bench's getMany and model getMany rows measure both, bench/report). The key
 * prefix, reply encoding and friendly error stack are the client's, as with its methods.
 *
 * The client's own method is called instead:
 * - while the client holds auto-pipelined commands not yet written: a `set` and then a
 *   `getMany` of the same key, called in one tick, keep their order, as they did through the
 *   method;
 * - while the client is not ready: a Cluster without its slot map yet holds auto-pipelined
 *   calls outside that count, and sends them after its offline queue;
 * - on a client from another copy of ioredis than the one loaded here (a user's ioredis 5, say):
 *   its `sendCommand` gets only Commands it made itself.
 */
export function sendCommandOn(target: ChainableCommander, method: DirectMethod, args: CommandArgument[]): unknown {
  // Clients and pipelines alike have `options` (a pipeline's are its client's) and `sendCommand`.
  const sender = target as unknown as CommandSender;
  if (!sendsDirectly(sender)) {
    return (target as unknown as Record<DirectMethod, (...args: CommandArgument[]) => unknown>)[method](...args);
  }
  const buffers = method.endsWith(BUFFER_SUFFIX);
  const { options } = sender;
  const command = new (ioredis().Command)(buffers ? method.slice(0, -BUFFER_SUFFIX.length) : method, args, {
    keyPrefix: options.keyPrefix as string | undefined,
    replyEncoding: buffers ? null : 'utf8',
    errorStack: options.showFriendlyErrorStack ? new Error() : undefined,
  });
  return sender.sendCommand(command);
}

function sendsDirectly(sender: CommandSender): boolean {
  const { Redis, Cluster, Pipeline } = ioredis();
  if (sender instanceof Pipeline) return true;
  if (!(sender instanceof Redis) && !(sender instanceof Cluster)) return false;
  return sender.status === 'ready' && (sender.autoPipelineQueueSize ?? 0) === 0;
}
