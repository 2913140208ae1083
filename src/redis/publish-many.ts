import { assertKnownKeys, assertOptionalBoolean, assertOptionsObject, optionNames } from '../utils/validate.js';
import { runBulk } from './batches.js';
import { UNREPEATED_BULK_OPTIONS, type UnrepeatedBulkOptions } from './bulk-options.js';
import { assertShardedPubSub } from './sharded-support.js';
import { collectEntries, type RedisValue } from './inputs.js';
import { RedisScript, type ScriptArgument } from './script.js';

/** Options of the bulk `publishMany`. */
export interface PublishManyBulkOptions extends UnrepeatedBulkOptions {
  /**
   * Sharded pub/sub (Redis >= 7): SPUBLISH instead of PUBLISH, each batch holding channels of
   * one master's slots and sent to that master, so on a cluster publishing scales with the
   * masters (a classic PUBLISH is broadcast to every node). Only sharded subscribers
   * (`Subscriber({ sharded: true })`, SSUBSCRIBE) receive these; Python Popoto's do not. Rejects
   * with a ShardedPubSubUnsupportedError, before anything is sent, on a server without it.
   */
  sharded?: boolean;
}

/**
 * Publishes a group's messages (channel, message, channel, message, ... in ARGV) in order, and
 * answers each one's receiver count. One command per group instead of one per message: the
 * client's cost per message is what limited publishing, and on a cluster it hid what sharding
 * gains. Channels go in ARGV, not KEYS, so that ioredis does not add a keyPrefix to them (as it
 * does not to PUBLISH's). A group holds one slot's channels on a cluster, so Redis refuses a
 * sharded group at its first SPUBLISH if the slot is served elsewhere (followed like MOVED):
 * a group is published whole or not at all.
 */
const PUBLISH_SCRIPT = publishScript('PUBLISH');
const SPUBLISH_SCRIPT = publishScript('SPUBLISH');

function publishScript(command: 'PUBLISH' | 'SPUBLISH'): RedisScript {
  return new RedisScript(`local out = {}
for i = 1, #ARGV, 2 do
  out[#out + 1] = redis.call('${command}', ARGV[i], ARGV[i + 1])
end
return out`);
}

/** The option names of `publishMany`, from the declarations. */
const PUBLISH_MANY_OPTIONS = [
  ...UNREPEATED_BULK_OPTIONS,
  ...optionNames<Omit<PublishManyBulkOptions, keyof UnrepeatedBulkOptions>>({ sharded: true }),
];

/**
 * Publishes many messages at once: `[channel, message]` pairs sent in batches, concurrently,
 * each batch's messages published by one script call per slot (`PUBLISH`, or `SPUBLISH` when
 * sharded); the messages of one channel are delivered in input order. Resolves
 * with what Redis answers for each message, in input order:
 * the number of subscribers that received it. On a cluster any node may publish and the
 * cluster bus delivers to subscribers on every node, but (Redis semantics) the count only
 * covers the subscribers connected to the node that published.
 *
 * If some messages fail, the others are still sent and the promise rejects with a
 * BulkOperationError: `failedIndexes` names the messages not confirmed, `results` the receiver
 * counts of the rest. There is no `retries` option, by choice: a message whose reply was lost
 * may have been delivered, and sending it again would deliver it twice. Retry
 * `failedIndexes` yourself when at-least-once delivery is what you want.
 *
 * @example
 * const receivers = await publishMany([['prices', 'AAPL 189.2'], ['prices', 'MSFT 402.1']]);
 */
export async function publishMany(
  entries: Iterable<readonly [string, RedisValue]>,
  options?: PublishManyBulkOptions,
): Promise<number[]> {
  assertOptionsObject(options, 'options');
  // `retries` gets its own explanation from validateBulkOptions; every other unknown name is refused here, with `sharded` listed.
  if ((options as { retries?: unknown } | undefined)?.retries === undefined) {
    assertKnownKeys(options, PUBLISH_MANY_OPTIONS, 'options');
  }
  assertOptionalBoolean(options?.sharded, 'sharded');
  const { sharded, ...bulk } = options ?? {};
  const { keys: channels, values: messages } = collectEntries(entries, 'entries', 'channel');
  const receivers = new Array<number>(channels.length).fill(0);
  const confirmed = new Array<number | undefined>(channels.length);
  const script = sharded === true ? SPUBLISH_SCRIPT : PUBLISH_SCRIPT;
  // Planned by channel as if it were a key: on a cluster each channel's messages leave from
  // the master of its slot, one connection, so they arrive in the order given.
  await runBulk(
    {
      operation: 'publishMany',
      keys: channels,
      shape: 'multi-key',
      keyless: true,
      command: (target, { indexes }) => {
        const args: ScriptArgument[] = [];
        for (const i of indexes) args.push(channels[i]!, asPayload(messages[i]!));
        return script.evalOn(target, [], args);
      },
      onReply: ({ indexes }, reply) => {
        const counts = reply as number[];
        indexes.forEach((i, k) => (receivers[i] = confirmed[i] = Number(counts[k])));
      },
      results: confirmed,
      ...(sharded === true ? { check: assertShardedPubSub } : {}),
    },
    bulk,
  );
  return receivers;
}

function asPayload(message: RedisValue): string | Buffer {
  return typeof message === 'number' ? String(message) : message;
}
