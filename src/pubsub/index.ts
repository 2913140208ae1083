/**
 * popoto-ts/pubsub: Redis pub/sub with values encoded like Popoto model fields (MessagePack),
 * or raw strings. `Publisher` sends (one message or many, in order per channel), `Subscriber`
 * receives through callbacks or `for await`, on channels and patterns, and subscribes again by
 * itself after its connection drops. Works the same on a single Redis and on a Redis Cluster.
 */
export { Publisher, type PublisherOptions, type PublishManyOptions } from './publisher.js';
export {
  Subscriber,
  type ChannelMessage,
  type MessageHandler,
  type SubscriberMessage,
  type SubscriberOptions,
  type UndecodableMessage,
} from './subscriber.js';
export { MessageDecodeError, ResubscribeError, SubscriberOverflowError } from './errors.js';
export { PopotoError, type PopotoErrorCode } from '../utils/errors.js';
export { ShardedPubSubUnsupportedError } from '../redis/errors.js';
export type { PubSubEncoding } from './payload.js';
