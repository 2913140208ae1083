/**
 * A bounded queue between producers that push and one reader that iterates. `push` waits
 * while the queue is full (backpressure); the reader's `break` cancels it, after which pushes
 * resolve at once and report `false` so producers stop.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private readonly spaceWaiters: (() => void)[] = [];
  private itemWaiter: (() => void) | undefined;
  private ended = false;
  private cancelled = false;
  private failure: { error: unknown } | undefined;

  constructor(private readonly capacity: number) {}

  /** True once the reader has stopped: producers should stop too. */
  get isCancelled(): boolean {
    return this.cancelled;
  }

  /** Adds an item, waiting while the queue is full. Resolves false if the reader has gone. */
  async push(item: T): Promise<boolean> {
    while (this.items.length >= this.capacity && !this.cancelled) {
      await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
    }
    if (this.cancelled) return false;
    this.items.push(item);
    this.wakeReader();
    return true;
  }

  /** No more items: the reader finishes after draining what is queued. */
  end(): void {
    this.ended = true;
    this.wakeReader();
  }

  /** The reader throws `error` after draining what is queued. */
  fail(error: unknown): void {
    this.failure ??= { error };
    this.end();
  }

  /** The reader has stopped: drop queued items and release waiting producers. */
  cancel(): void {
    this.cancelled = true;
    this.items.length = 0;
    for (const wake of this.spaceWaiters.splice(0)) wake();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    try {
      for (;;) {
        if (this.items.length > 0) {
          const item = this.items.shift() as T;
          this.spaceWaiters.shift()?.();
          yield item;
          continue;
        }
        if (this.ended) {
          if (this.failure !== undefined) throw this.failure.error;
          return;
        }
        await new Promise<void>((resolve) => (this.itemWaiter = resolve));
      }
    } finally {
      this.cancel();
    }
  }

  private wakeReader(): void {
    const wake = this.itemWaiter;
    this.itemWaiter = undefined;
    wake?.();
  }
}
