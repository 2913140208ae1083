import type { BulkOptions } from '../redis/bulk-options.js';
import { masterForSlot } from '../redis/cluster-nodes.js';
import { keySlot } from '../redis/key-slot.js';
import { assertOptionalSource, isCluster, useRedis, type RedisSource } from '../redis/connection.js';
import { publishMany } from '../redis/publish-many.js';
import { followRedirects } from '../redis/redirects.js';
import { describeValue } from '../utils/errors.js';
import { assertKnownKeys, assertOptionalBoolean, assertOptionsObject, optionNames } from '../utils/validate.js';
import { assertShardedPubSub } from '../redis/sharded-support.js';
import { assertName } from './inputs.js';
import { encodePayload, validateEncoding, type PubSubEncoding } from './payload.js';

/** Options of `new Publisher()`. */
export interface PublisherOptions {
  /**
   * The client to publish on, or the `RedisConnection` whose client to use. Default: the shared
   * connection (`connect()`), opened on first use.
   */
  redis?: RedisSource;
  /** How values are sent. Default `'msgpack'`. */
  encoding?: PubSubEncoding;
  /**
   * Sharded pub/sub (Redis >= 7): SPUBLISH, sent to the master of the channel's hash slot, which
   * delivers it only within its shard. On a cluster a classic PUBLISH is broadcast to every node,
   * so adding masters adds no publish capacity; sharded publishing grows with them. Only sharded
   * subscribers (`Subscriber({ sharded: true })`) receive these messages; Python Popoto's
   * subscribers (classic SUBSCRIBE) do not. Default false. The first publish rejects with a
   * ShardedPubSubUnsupportedError, before anything is sent, on a server without it.
   */
  sharded?: boolean;
}

/** Options of `Publisher.publishMany`: those of the bulk `publishMany`, the client being the publisher's. */
export type PublishManyOptions = Omit<BulkOptions, 'redis' | 'retries'>;

const PUBLISHER_OPTIONS = optionNames<PublisherOptions>({ redis: true, encoding: true, sharded: true });
const PUBLISH_MANY_OPTIONS = optionNames<PublishManyOptions>({ signal: true, batchSize: true, concurrency: true });

/**
 * Publishes values on Redis channels. With the default `'msgpack'` encoding any value a model
 * field may hold (strings, numbers, booleans, null, Dates, arrays, plain objects, Buffers) is
 * packed exactly as Popoto packs fields, so a `Subscriber` here or a Python Popoto service
 * reads back the same value. With `'raw'` only strings and Buffers are accepted and sent as they are.
 *
 * On a cluster every message of a channel leaves from the master of the channel's hash slot
 * (as `publishMany` does), so messages published one after another on a channel arrive in that
 * order, whether they went through `publish` or `publishMany`.
 *
 * @example
 * const events = new Publisher();
 * await events.publish('user-changed', { id: '1', level: 4, at: new Date() });
 */
export class Publisher {
  /** How this publisher sends values. */
  readonly encoding: PubSubEncoding;
  /** Whether this publisher uses sharded pub/sub (SPUBLISH). */
  readonly sharded: boolean;
  readonly #redis: RedisSource | undefined;

  /** Throws a TypeError (or RangeError for an unknown encoding name) on bad options. */
  constructor(options?: PublisherOptions) {
    assertOptionsObject(options, 'options');
    assertKnownKeys(options, PUBLISHER_OPTIONS, 'options');
    assertOptionalSource(options?.redis);
    assertOptionalBoolean(options?.sharded, 'sharded');
    this.encoding = validateEncoding(options?.encoding);
    this.sharded = options?.sharded ?? false;
    this.#redis = options?.redis;
  }

  /**
   * Publishes `value` on `channel`. Resolves with the number of subscribers that received it;
   * on a cluster that count only covers subscribers connected to the publishing node (Redis
   * semantics), so 0 does not mean nobody listens. Rejects with a TypeError, before anything is
   * sent, when the channel is not a non-empty string or the value cannot be encoded.
   */
  async publish(channel: string, value: unknown): Promise<number> {
    assertName(channel, 'channel');
    const payload = encodePayload(value, this.encoding, 'value');
    const client = await useRedis(this.#redis);
    if (this.sharded) await assertShardedPubSub(client);
    // On a cluster: the channel's slot owner keeps one channel's messages in order (its connection
    // may still be opening: the message waits in its queue); once that connection is closed for
    // good (the master failed) the cluster client routes it instead (any node delivers a classic
    // PUBLISH; a SPUBLISH goes to the slot's owner). Each attempt picks anew, under the one
    // redirect rule.
    return followRedirects(client, async () => {
      const owner = isCluster(client) ? masterForSlot(client, keySlot(channel)) : undefined;
      const target = owner !== undefined && owner.status !== 'end' ? owner : client;
      return this.sharded ? Number(await target.spublish(channel, payload)) : target.publish(channel, payload);
    });
  }

  /**
   * Publishes many `[channel, value]` pairs through the bulk `publishMany`: pipelined batches
   * sent concurrently, cluster-routed, the messages of one channel delivered in input order.
   * Every value is encoded (and checked) before anything is sent. Resolves with the receiver
   * counts in input order; if some messages fail the others are still sent and it rejects with
   * a BulkOperationError naming the failed positions.
   */
  async publishMany(entries: Iterable<readonly [string, unknown]>, options?: PublishManyOptions): Promise<number[]> {
    assertOptionsObject(options, 'options');
    assertKnownKeys(options, PUBLISH_MANY_OPTIONS, 'options');
    const encoded = this.#encodeEntries(entries);
    return publishMany(encoded, { ...options, redis: await useRedis(this.#redis), sharded: this.sharded });
  }

  #encodeEntries(entries: Iterable<readonly [string, unknown]>): [string, string | Buffer][] {
    if (
      entries === null ||
      typeof entries !== 'object' ||
      typeof (entries as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function'
    ) {
      throw new TypeError(`entries must be an iterable of [channel, value] pairs, got ${describeValue(entries)}`);
    }
    const out: [string, string | Buffer][] = [];
    let index = 0;
    for (const entry of entries as Iterable<unknown>) {
      if (!Array.isArray(entry) || entry.length !== 2) {
        throw new TypeError(`entries[${index}] must be a [channel, value] pair, got ${describeValue(entry)}`);
      }
      const [channel, value] = entry as [unknown, unknown];
      assertName(channel, `entries[${index}][0] (channel)`);
      out.push([channel, encodePayload(value, this.encoding, `entries[${index}][1] (value)`)]);
      index++;
    }
    return out;
  }
}
