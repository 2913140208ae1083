import { assertOptionalSource, useRedis, type RedisSource } from '../redis/connection.js';
import { trackBackgroundPromise, type BackgroundTaskInfo } from '../concurrency/background.js';
import { describeValue, messageOf } from '../utils/errors.js';
import { isThenable } from '../concurrency/task-policy.js';
import {
  assertFunction,
  assertInteger,
  assertKnownKeys,
  assertOptionalBoolean,
  assertOptionsObject,
  optionNames,
} from '../utils/validate.js';
import { collectNames } from './inputs.js';
import { MessageStream } from './message-stream.js';
import { decodePayload, validateEncoding, type PubSubEncoding } from './payload.js';
import { ShardedConnection } from './sharded-connection.js';
import {
  SubscriberConnection,
  subscriberClosedError,
  type PubSubConnection,
  type SubscriptionKind,
} from './subscriber-connection.js';

/** Options of `new Subscriber()`. */
export interface SubscriberOptions {
  /**
   * The client whose server (or cluster) to subscribe on. The subscriber never uses it for
   * pub/sub itself: it opens its own connection, a `duplicate()` of it (on a cluster, of one
   * master). A `RedisConnection` stands for its client. Default: the shared connection
   * (`connect()`), opened on first use.
   */
  redis?: RedisSource;
  /** How payloads are decoded. Default `'msgpack'`; `'raw'` delivers them as UTF-8 strings. */
  encoding?: PubSubEncoding;
  /** Name of the subscriber's connection in CLIENT LIST. Default `'popoto-ts:subscriber'`. */
  connectionName?: string;
  /**
   * Most messages that may wait for one `for await` reader. Default 10000; `Infinity` for no
   * limit (memory then grows as long as the reader lags). See `SubscriberOverflowError`.
   */
  bufferSize?: number;
  /**
   * Sharded pub/sub (Redis >= 7, SSUBSCRIBE): each channel is held by the master of its hash
   * slot, so on a cluster delivery scales with the masters instead of every message crossing
   * every node. Receives what a sharded `Publisher` sends, and only that: classic PUBLISH and
   * SPUBLISH channels are separate, and Python Popoto's subscribers (classic SUBSCRIBE) never see
   * sharded messages. No patterns (Redis has no sharded PSUBSCRIBE). Default false. The first
   * subscribe rejects with a ShardedPubSubUnsupportedError on a server without it.
   */
  sharded?: boolean;
}

const SUBSCRIBER_OPTIONS = optionNames<SubscriberOptions>({
  redis: true,
  encoding: true,
  connectionName: true,
  bufferSize: true,
  sharded: true,
});

/** A message whose payload was decoded (always the case with `'raw'` encoding). */
export interface ChannelMessage<T> {
  /** The channel it was published on. */
  channel: string;
  /** The PSUBSCRIBE pattern it matched; absent for a message received through SUBSCRIBE. */
  pattern?: string;
  /** The decoded value (with `'raw'` encoding: the payload as a UTF-8 string). */
  data: T;
  /** Never set on a decoded message. */
  decodeError?: undefined;
}

/**
 * A message whose payload is not MessagePack, received with `'msgpack'` encoding (text a
 * non-Popoto client published, say). It is delivered, not dropped: `data` holds the payload
 * bytes as received and `decodeError` says why they could not be decoded.
 */
export interface UndecodableMessage {
  /** The channel it was published on. */
  channel: string;
  /** The PSUBSCRIBE pattern it matched; absent for a message received through SUBSCRIBE. */
  pattern?: string;
  /** The payload bytes, untouched. */
  data: Buffer;
  /** Why the bytes are not a MessagePack value. */
  decodeError: Error;
}

/** What a Subscriber delivers; test `decodeError` to tell an undecodable payload from a value. */
export type SubscriberMessage<T = unknown> = ChannelMessage<T> | UndecodableMessage;

/** Receives messages. May be async: see `Subscriber.onMessage`. */
export type MessageHandler<T = unknown> = (message: SubscriberMessage<T>) => unknown;

const DEFAULT_BUFFER_SIZE = 10_000;

/**
 * Receives messages from Redis channels and patterns, through callbacks (`onMessage`), async
 * iteration (`for await (const message of subscriber)`), or both: every handler and every
 * reader gets every message, in the order Redis delivered them.
 *
 * It holds a dedicated connection (a duplicate of the given or shared client, named
 * `connectionName`), opened by the first (p)subscribe. If that connection drops, it reconnects
 * (forever, until `close()`; on a cluster it moves to another master if its node stays down)
 * and subscribes again to every channel and pattern; `onResubscribe` handlers run once Redis has
 * confirmed them all. Messages published while it was disconnected are lost: Redis pub/sub
 * keeps nothing for absent subscribers. An open subscriber keeps the process alive until `close()`.
 *
 * `T` is the type you expect `data` to have; nothing checks it at run time.
 *
 * @example
 * const subscriber = new Subscriber<{ id: string }>();
 * await subscriber.subscribe('user-changed');
 * for await (const message of subscriber) {
 *   if (message.decodeError === undefined) console.log(message.channel, message.data.id);
 * }
 */
export class Subscriber<T = unknown> implements AsyncIterable<SubscriberMessage<T>>, AsyncDisposable {
  /** How payloads are decoded. */
  readonly encoding: PubSubEncoding;
  /** Name of the dedicated connection in CLIENT LIST. */
  readonly connectionName: string;
  /** Most messages that may wait for one `for await` reader. */
  readonly bufferSize: number;
  /** Whether this subscriber uses sharded pub/sub (SSUBSCRIBE). */
  readonly sharded: boolean;
  readonly #client: RedisSource | undefined;
  readonly #messageHandlers = new Set<MessageHandler<T>>();
  readonly #resubscribeHandlers = new Set<() => void>();
  readonly #errorHandlers = new Set<(error: unknown) => void>();
  readonly #streams = new Set<MessageStream<SubscriberMessage<T>>>();
  #connection: Promise<PubSubConnection> | undefined;
  #connected: PubSubConnection | undefined;
  #closing: Promise<void> | undefined;
  #errorShown = false;

  /** Throws a TypeError or RangeError naming the option on bad options. Connects nothing yet. */
  constructor(options?: SubscriberOptions) {
    assertOptionsObject(options, 'options');
    assertKnownKeys(options, SUBSCRIBER_OPTIONS, 'options');
    assertOptionalSource(options?.redis);
    this.encoding = validateEncoding(options?.encoding);
    // Only a missing option means its default: null is refused, as for every other option.
    const connectionName = options?.connectionName === undefined ? 'popoto-ts:subscriber' : options.connectionName;
    // CLIENT SETNAME refuses spaces; better to say so here than on every reconnect.
    if (typeof connectionName !== 'string' || !/^[!-~]+$/.test(connectionName)) {
      throw new TypeError(
        `connectionName must be a non-empty string of printable characters without spaces, got ${describeValue(connectionName)}`,
      );
    }
    this.connectionName = connectionName;
    const bufferSize = options?.bufferSize === undefined ? DEFAULT_BUFFER_SIZE : options.bufferSize;
    assertInteger(bufferSize, 'bufferSize', 1, { infinity: true });
    this.bufferSize = bufferSize;
    assertOptionalBoolean(options?.sharded, 'sharded');
    this.sharded = options?.sharded ?? false;
    this.#client = options?.redis;
  }

  /** True once `close()` has been called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** The channels currently subscribed to (including ones whose confirmation is still pending). */
  get channels(): string[] {
    return this.#list('channel');
  }

  /** The patterns currently subscribed to (including ones whose confirmation is still pending). */
  get patterns(): string[] {
    return this.#list('pattern');
  }

  /**
   * Subscribes to channels (SUBSCRIBE). Resolves once Redis confirmed every one; messages
   * published from then on are delivered. While the connection is down it waits for the reconnect.
   * Rejects with a TypeError or RangeError on bad names, a RedisClosedError after `close()`.
   */
  async subscribe(...channels: string[]): Promise<void> {
    await this.#add('channel', collectNames(channels, 'channels', { required: true }));
  }

  /**
   * Subscribes to glob-style patterns (PSUBSCRIBE, e.g. `news.*`). Messages received through a
   * pattern carry it in `pattern`. A message on a channel subscribed both directly and through a
   * pattern is delivered twice, once each way, as Redis sends it.
   */
  async psubscribe(...patterns: string[]): Promise<void> {
    this.#assertPatterns('psubscribe');
    await this.#add('pattern', collectNames(patterns, 'patterns', { required: true }));
  }

  /** Unsubscribes from channels, or from every channel when called with none. Unknown names are ignored. */
  async unsubscribe(...channels: string[]): Promise<void> {
    await this.#remove('channel', channels.length === 0 ? undefined : collectNames(channels, 'channels'));
  }

  /** Unsubscribes from patterns, or from every pattern when called with none. Unknown names are ignored. */
  async punsubscribe(...patterns: string[]): Promise<void> {
    this.#assertPatterns('punsubscribe');
    await this.#remove('pattern', patterns.length === 0 ? undefined : collectNames(patterns, 'patterns'));
  }

  /**
   * Calls `handler` with every message, synchronously as it arrives, in the order handlers were
   * added; returns a function that removes it. A handler that throws, or returns a promise that
   * rejects, does not stop delivery to it or to anyone else: the error is reported like a failed
   * background task (to `onBackgroundError` handlers, else printed to stderr). A promise a
   * handler returns is tracked as background work, so `drainBackgroundTasks()` waits for it;
   * the next message does not wait for it, though.
   */
  onMessage(handler: MessageHandler<T>): () => void {
    assertFunction(handler, 'handler');
    if (this.closed) return () => undefined;
    this.#messageHandlers.add(handler);
    return () => {
      this.#messageHandlers.delete(handler);
    };
  }

  /**
   * Calls `handler` each time the connection has come back after a drop and Redis has confirmed
   * every channel and pattern again: from then on nothing published is missed. Returns a
   * function that removes it. Errors it throws are reported like a failed background task.
   */
  onResubscribe(handler: () => void): () => void {
    assertFunction(handler, 'handler');
    this.#resubscribeHandlers.add(handler);
    return () => {
      this.#resubscribeHandlers.delete(handler);
    };
  }

  /**
   * Calls `handler` with connection errors (each failed reconnect attempt, say) and with
   * resubscriptions Redis refused; the subscriber keeps trying either way. Returns a function
   * that removes it. With no handler, the first error of each outage is printed to stderr.
   */
  onError(handler: (error: unknown) => void): () => void {
    assertFunction(handler, 'handler');
    this.#errorHandlers.add(handler);
    return () => {
      this.#errorHandlers.delete(handler);
    };
  }

  /**
   * A reader of the messages that arrive from now on; each call (each `for await`) gets its own
   * copy of the stream. `break` stops only that reader. `close()` ends it once it has read what
   * it was holding. Redis pub/sub cannot be slowed down, so a reader that falls `bufferSize`
   * messages behind is cut off: it gets what it holds, then the loop throws a
   * SubscriberOverflowError (handlers and other readers are unaffected).
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<SubscriberMessage<T>, undefined> {
    const stream = new MessageStream<SubscriberMessage<T>>(this.bufferSize, () => this.#streams.delete(stream));
    if (this.closed) stream.end();
    else this.#streams.add(stream);
    return stream;
  }

  /**
   * Closes the connection. Pending (p)subscribe calls reject with a RedisClosedError, readers end
   * after what they hold, handlers get nothing more. Idempotent: every call returns the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /** `await using events = new Subscriber()`: `close()` when the scope ends. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #shutdown(): Promise<void> {
    for (const stream of [...this.#streams]) stream.end();
    this.#messageHandlers.clear();
    const opening = this.#connection;
    if (opening === undefined) return;
    const connection = await opening.catch(() => undefined);
    await connection?.close();
  }

  #assertPatterns(method: string): void {
    if (this.sharded) {
      throw new TypeError(`${method}: a sharded Subscriber has no patterns (Redis has no sharded PSUBSCRIBE)`);
    }
  }

  #list(kind: SubscriptionKind): string[] {
    return this.#connected?.list(kind) ?? [];
  }

  async #add(kind: SubscriptionKind, names: string[]): Promise<void> {
    const connection = await this.#open();
    await connection.add(kind, names);
  }

  async #remove(kind: SubscriptionKind, names: string[] | undefined): Promise<void> {
    if (this.closed) throw subscriberClosedError();
    // Nothing to remove before the first subscribe, and no reason to connect for it.
    if (this.#connection === undefined) return;
    const connection = await this.#connection;
    await connection.remove(kind, names);
  }

  #open(): Promise<PubSubConnection> {
    if (this.closed) return Promise.reject(subscriberClosedError());
    this.#connection ??= this.#connect().catch((error: unknown) => {
      // Let the next call try again (the shared connection may have been opened meanwhile).
      this.#connection = undefined;
      throw error;
    });
    return this.#connection;
  }

  async #connect(): Promise<PubSubConnection> {
    const client = await useRedis(this.#client);
    const kind = this.sharded ? ShardedConnection : SubscriberConnection;
    const connection = await kind.open(client, this.connectionName, {
      message: (channel, payload, pattern) => this.#deliver(channel, payload, pattern),
      ready: () => (this.#errorShown = false),
      resubscribed: () => this.#resubscribed(),
      error: (error) => this.#reportError(error),
    });
    if (this.closed) {
      await connection.close();
      throw subscriberClosedError();
    }
    this.#connected = connection;
    return connection;
  }

  // Runs once per message received: objects built directly (no spreads), and a handler's name
  // for failure reports written only when one fails or returns a promise to track.
  #deliver(channelBytes: Buffer, payload: Buffer, patternBytes: Buffer | undefined): void {
    const channel = channelBytes.toString('utf8');
    const pattern = patternBytes?.toString('utf8');
    const decoded = decodePayload(payload, this.encoding);
    let message: SubscriberMessage<T>;
    if (decoded.ok) {
      message =
        pattern === undefined ? { channel, data: decoded.value as T } : { channel, pattern, data: decoded.value as T };
    } else {
      // A copy: the decoder left a cache on the original, which also pins the whole socket chunk.
      const data = Buffer.from(payload);
      message =
        pattern === undefined
          ? { channel, data, decodeError: decoded.error }
          : { channel, pattern, data, decodeError: decoded.error };
    }
    if (this.#messageHandlers.size > 0) {
      const report = (): BackgroundTaskInfo => ({
        name: `Subscriber.onMessage handler for channel ${JSON.stringify(channel)}`,
        args: [message],
      });
      for (const handler of this.#messageHandlers) callReported(() => handler(message), report);
    }
    for (const stream of this.#streams) stream.push(message);
  }

  #resubscribed(): void {
    for (const handler of this.#resubscribeHandlers) callReported(handler, RESUBSCRIBE_REPORT);
  }

  #reportError(error: unknown): void {
    // The socket closing under close() is expected, not news.
    if (this.closed) return;
    if (this.#errorHandlers.size > 0) {
      for (const handler of this.#errorHandlers) {
        callReported(
          () => handler(error),
          () => ({ name: 'Subscriber.onError handler', args: [error] }),
        );
      }
      return;
    }
    // A reconnect loop fails every attempt; one line per outage (until the next 'ready') says enough.
    if (this.#errorShown) return;
    this.#errorShown = true;
    process.stderr.write(
      `popoto-ts: subscriber ${this.connectionName}: ${messageOf(error)} (reconnecting; further errors are not shown until it reconnects)\n`,
    );
  }
}

/**
 * Runs a caller's callback so that nothing it does can break delivery: a throw or a rejected
 * promise becomes a failed background task (onBackgroundError, else stderr), never an exception
 * inside ioredis's reply parser or an unhandled rejection; a promise is tracked until it settles.
 */
function callReported(callback: () => unknown, report: () => BackgroundTaskInfo): void {
  let result: unknown;
  try {
    result = callback();
  } catch (error) {
    // The registry takes failures as settled promises; this one is rejected with the thrown value.
    trackBackgroundPromise(Promise.reject(error), report());
    return;
  }
  if (isThenable(result)) trackBackgroundPromise(result, report());
}

const RESUBSCRIBE_REPORT = (): BackgroundTaskInfo => ({ name: 'Subscriber.onResubscribe handler', args: [] });
