import type { ChainableCommander, Command } from 'ioredis';
import { ioredis } from './ioredis-loader.js';

/** What a command built here may carry as arguments. */
export type CommandArgument = string | Buffer | number;

interface CommandSender {
  options: { keyPrefix?: string; showFriendlyErrorStack?: boolean };
  sendCommand(command: Command): unknown;
  /** A client's commands waiting in auto-pipelines, not yet written (a pipeline has none). */
  autoPipelineQueueSize?: number;
}

/**
 * Queues (on a pipeline) or sends (on a client) the command of the client method `method`
 * (`mget`; `evalshaBuffer`: EVALSHA with bulk string replies as Buffers) with `args`, as that
 * method does, but never through ioredis's auto-pipelining. A command that carries a whole batch
 * (hundreds of keys or records) gains nothing from being gathered with others: the auto-pipeline
 * only adds a pipeline, its promises and a deferred flush per batch, and holds every batch of a
 * tick back until the tick ends, while sent at once Redis starts on the first batch as the
 * client builds the next (the bench's getMany and model getMany rows measure both, bench/report).
 * The key prefix, reply encoding and friendly error stack are the client's, as with its methods.
 *
 * While the client holds auto-pipelined commands not yet written, the command joins them
 * through the client's method instead: a `set` and then a `getMany` of the same key, called in
 * one tick, keep their order, as they did through the method.
 */
export function sendCommandOn(target: ChainableCommander, method: string, args: CommandArgument[]): unknown {
  // Clients and pipelines alike have `options` (a pipeline's are its client's) and `sendCommand`.
  const sender = target as unknown as CommandSender;
  if ((sender.autoPipelineQueueSize ?? 0) > 0) {
    return (target as unknown as Record<string, (...args: CommandArgument[]) => unknown>)[method]!(...args);
  }
  const buffers = method.endsWith(BUFFER_SUFFIX);
  const { options } = sender;
  const command = new (ioredis().Command)(buffers ? method.slice(0, -BUFFER_SUFFIX.length) : method, args, {
    keyPrefix: options.keyPrefix,
    replyEncoding: buffers ? null : 'utf8',
    errorStack: options.showFriendlyErrorStack === true ? new Error() : undefined,
  });
  return sender.sendCommand(command);
}

/** How ioredis names a command's method that replies with Buffers (`getBuffer`). */
const BUFFER_SUFFIX = 'Buffer';
