import { PopotoError, type PopotoErrorCode } from '../utils/errors.js';

/**
 * A `for await` reader of a Subscriber fell behind: `bufferSize` messages were already waiting
 * for it when another arrived. Redis pushes messages whether or not they are read (pub/sub has
 * no backpressure), so instead of growing without bound the reader is cut off: it still gets
 * the messages buffered so far, then this error is thrown from the loop. Messages from the
 * overflow on were not kept for that reader; `onMessage` handlers and other readers still get them.
 */
export class SubscriberOverflowError extends PopotoError {
  override readonly name: string = 'SubscriberOverflowError';
  override readonly code: PopotoErrorCode = 'ERR_POPOTO_SUBSCRIBER_OVERFLOW';
  /** How many messages may wait for one reader (the Subscriber's `bufferSize`). */
  readonly bufferSize: number;

  constructor(bufferSize: number) {
    super(
      `a for-await reader of a Subscriber fell behind: ${bufferSize} messages were already waiting for it ` +
        '(bufferSize), so later ones were not kept for it; read faster, raise bufferSize, or use onMessage',
    );
    this.bufferSize = bufferSize;
  }
}

/**
 * A received message is not one MessagePack value (text published by a client that does not
 * speak MessagePack, say): not thrown, but attached to the message as its `decodeError`, with
 * the raw bytes as its `data`. The decoder's own error is the `cause`.
 */
export class MessageDecodeError extends PopotoError {
  override readonly name: string = 'MessageDecodeError';
  override readonly code: PopotoErrorCode = 'ERR_POPOTO_MESSAGE_DECODE';
}

/**
 * Subscribing again after a reconnect (or, for shard channels, after a slot moved) failed: the
 * Subscriber may be missing messages of those channels. Reported to `onError` handlers, and
 * rejects the calls that waited for the subscriptions; the failure is the `cause`.
 */
export class ResubscribeError extends PopotoError {
  override readonly name: string = 'ResubscribeError';
  override readonly code: PopotoErrorCode = 'ERR_POPOTO_RESUBSCRIBE_FAILED';
}
