import { createHash } from 'node:crypto';
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './connection.js';
import { followRedirects, type FollowOptions } from './redirects.js';
import { replyOf } from './replies.js';
import { sendCommandOn, type DirectMethod } from './direct-command.js';

/** What a script call may pass as ARGV. */
export type ScriptArgument = string | Buffer | number;

type Call = (...args: (string | number | Buffer)[]) => Promise<unknown>;
/** Sends one script command (`method`: `evalsha`, `evalBuffer`, ...) with all its arguments. */
type Send = (client: RedisClient, method: DirectMethod, argv: ScriptArgument[]) => Promise<unknown>;

const viaMethod: Send = (client, method, argv) => (client as unknown as Record<DirectMethod, Call>)[method](...argv);
const unpipelined: Send = (client, method, argv) =>
  sendCommandOn(client as unknown as ChainableCommander, method, argv) as Promise<unknown>;

// ioredis makes a Buffer-replying twin of every command at run time (evalshaBuffer,
// evalBuffer), but its typings only declare some of them: the commands are picked by name.
interface ScriptCommands {
  evalsha: 'evalsha' | 'evalshaBuffer';
  eval: 'eval' | 'evalBuffer';
}
const STRING_REPLIES: ScriptCommands = { evalsha: 'evalsha', eval: 'eval' };
const BUFFER_REPLIES: ScriptCommands = { evalsha: 'evalshaBuffer', eval: 'evalBuffer' };

/** How a script call is sent. */
export interface ScriptCallOptions extends FollowOptions {
  /**
   * Sent at once on the connection, outside ioredis's auto-pipelining (see `sendCommandOn`): for
   * calls that each carry a batch (a bulk read's hundreds of records). Default: through the
   * client's own method, auto-pipelined when the client has it on, which is what gathers many
   * small calls (one save per record) into few writes.
   */
  unpipelined?: boolean;
}

/**
 * A Lua script, and the one way every script here is run: EVALSHA as a client command, and EVAL
 * (which also loads the script) only when a server answers NOSCRIPT — the first time, after a
 * restart or SCRIPT FLUSH, or on a cluster node that never saw it. The source crosses the wire
 * once per server, not once per call.
 *
 * Being client commands, the calls are prefixed with the client's `keyPrefix` and on a cluster
 * routed by the slot of their first key (ioredis knows where EVALSHA's keys are). They go
 * through the client's own methods, so auto-pipelined when the client has it on, except calls
 * made `unpipelined` (a batch of records each, see `ScriptCallOptions`). On a cluster, a MOVED, ASK, TRYAGAIN or
 * CLUSTERDOWN answer (a failover, a resharding) is followed by the one redirect rule
 * (`followRedirects`: backoff until `timeoutMs`), so a model save rides out a failover. A caller that needs many calls makes many
 * `run`s in one tick and lets auto-pipelining batch them, rather than building pipelines:
 * a NOSCRIPT reply inside a pipeline would need a second pass of its own.
 *
 * (Not ioredis `defineCommand`: a command defined on a client is missing from the
 * auto-pipeline that client may already have pending, and queueing onto that pipeline breaks
 * it — a user's client can be in that state the first time a model uses it.)
 */
export class RedisScript {
  /** SHA1 of the source, as EVALSHA and SCRIPT LOAD know it. */
  readonly sha: string;

  constructor(readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  /**
   * Runs the script with `keys` and `args`; resolves with its reply (bulk strings as UTF-8
   * strings). `options.repeatable`: see `FollowOptions`; `options.unpipelined`: see
   * `ScriptCallOptions`.
   */
  run(
    client: RedisClient,
    keys: readonly string[],
    args: readonly ScriptArgument[],
    options?: ScriptCallOptions,
  ): Promise<unknown> {
    return this.#send(client, STRING_REPLIES, { keys, args, options });
  }

  /** Like `run`, with bulk string replies as Buffers (for binary replies). */
  runBuffer(
    client: RedisClient,
    keys: readonly string[],
    args: readonly ScriptArgument[],
    options?: ScriptCallOptions,
  ): Promise<unknown> {
    return this.#send(client, BUFFER_REPLIES, { keys, args, options });
  }

  #send(
    client: RedisClient,
    commands: ScriptCommands,
    { keys, args, options }: { keys: readonly string[]; args: readonly ScriptArgument[]; options?: ScriptCallOptions },
  ): Promise<unknown> {
    const send = options?.unpipelined === true ? unpipelined : viaMethod;
    const argv = [this.sha, keys.length, ...keys, ...args];
    return followRedirects(
      client,
      () =>
        send(client, commands.evalsha, argv).catch((error: unknown) =>
          this.#unlessLoaded(error, () => send(client, commands.eval, [this.lua, ...argv.slice(1)])),
        ),
      options,
    );
  }

  /**
   * Queues the script as an EVAL on `target`, a client or a pipeline, and returns what that
   * returns (a reply promise from a client): for calls that go out inside pipelines (the bulk
   * operations), where a NOSCRIPT answer would need a second pass of its own. The source travels
   * with each call and Redis keeps it compiled by its SHA, so this is for short scripts whose
   * calls carry much more than the source (a batch of messages).
   */
  evalOn(target: ChainableCommander, keys: readonly string[], args: readonly ScriptArgument[]): unknown {
    return target.eval(this.lua, keys.length, ...keys, ...args);
  }

  /** Rethrows anything but NOSCRIPT; on NOSCRIPT sends the source (EVAL loads it for the next EVALSHA). */
  #unlessLoaded(error: unknown, evaluate: () => Promise<unknown>): Promise<unknown> {
    if (replyOf(error)?.code !== 'NOSCRIPT') throw error;
    return evaluate();
  }
}
