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
 * Queues (on a pipeline) or sends (on a client) `name args` as one command, as the client's own
 * command method does, but never through ioredis's auto-pipelining: a bulk operation's batch is
 * already one command of hundreds of keys, sent a bounded number at a time, and gathering those
 * into auto-pipelines only adds a pipeline, its promises and a deferred flush per batch, which
 * the bench's getMany row measures (bench/report). The key prefix, reply encoding and friendly
 * error stack are the client's, as with its methods.
 *
 * While the client holds auto-pipelined commands not yet written, the command joins them
 * through the client's method instead: a `set` and then a `getMany` of the same key, called in
 * one tick, keep their order, as they did through the method.
 */
export function sendCommandOn(target: ChainableCommander, name: string, args: CommandArgument[]): unknown {
  // Clients and pipelines alike have `options` (a pipeline's are its client's) and `sendCommand`.
  const sender = target as unknown as CommandSender;
  if ((sender.autoPipelineQueueSize ?? 0) > 0) {
    return (target as unknown as Record<string, (...args: CommandArgument[]) => unknown>)[name]!(...args);
  }
  const { options } = sender;
  const command = new (ioredis().Command)(name, args, {
    keyPrefix: options.keyPrefix,
    replyEncoding: 'utf8',
    errorStack: options.showFriendlyErrorStack === true ? new Error() : undefined,
  });
  return sender.sendCommand(command);
}
