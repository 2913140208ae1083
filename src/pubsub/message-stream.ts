import { SubscriberOverflowError } from './errors.js';

interface Waiter<T> {
  resolve: (result: IteratorResult<T, undefined>) => void;
  reject: (error: unknown) => void;
}

const DONE: IteratorResult<never, undefined> = { done: true, value: undefined };

/**
 * One `for await` reader's queue of messages. The producer (the socket) cannot be slowed down,
 * so `push` never waits: past `capacity` waiting items the stream stops taking new ones and
 * fails with a SubscriberOverflowError once the reader has drained what it holds.
 *
 * A hand-written iterator rather than an async generator: a generator's `return()` waits for a
 * pending `next()` to settle, whereas here `end()` and `return()` release a waiting reader at once.
 */
export class MessageStream<T> implements AsyncIterableIterator<T, undefined> {
  #items: T[] = [];
  #head = 0;
  readonly #waiters: Waiter<T>[] = [];
  #ended = false;
  #failure: { error: unknown } | undefined;

  /** `onDetach` runs once, when the stream stops taking items (ended, failed or abandoned by the reader). */
  constructor(
    private readonly capacity: number,
    private readonly onDetach: () => void,
  ) {}

  /** Hands `item` to a waiting reader, or queues it; past capacity the stream fails instead. */
  push(item: T): void {
    if (this.#ended) return;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      waiter.resolve({ done: false, value: item });
      return;
    }
    if (this.#items.length - this.#head >= this.capacity) {
      this.fail(new SubscriberOverflowError(this.capacity));
      return;
    }
    this.#items.push(item);
  }

  /** No more items: the reader gets what is queued, then the loop ends. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.onDetach();
    for (const { resolve, reject } of this.#waiters.splice(0)) this.#takeEnd().then(resolve, reject);
  }

  /** No more items: the reader gets what is queued, then `error` is thrown from the loop. */
  fail(error: unknown): void {
    if (this.#ended) return;
    this.#failure = { error };
    this.end();
  }

  /** The next queued item, else waits for one; once ended and drained: the failure (once), then done. */
  next(): Promise<IteratorResult<T, undefined>> {
    if (this.#head < this.#items.length) {
      const item = this.#items[this.#head]!;
      this.#head++;
      // Drop consumed slots in bulk rather than shift() each time, which copies the whole queue.
      if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      return Promise.resolve({ done: false, value: item });
    }
    if (this.#ended) return this.#takeEnd();
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** The reader left the loop (`break`, `return` or an exception): drop what is queued. */
  return(): Promise<IteratorResult<T, undefined>> {
    this.#items = [];
    this.#head = 0;
    this.#failure = undefined;
    this.end();
    return Promise.resolve(DONE);
  }

  /** What a reader gets once the queue is empty and ended: the failure, thrown once, then done. */
  #takeEnd(): Promise<IteratorResult<T, undefined>> {
    const failure = this.#failure;
    this.#failure = undefined;
    return failure === undefined ? Promise.resolve(DONE) : Promise.reject(failure.error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
