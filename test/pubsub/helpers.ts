// Helpers shared by the pub/sub tests: subscribers closed after each test, waiting for
// messages and events (with a generous limit, so that a lost message fails the test with a
// reason instead of hanging until the test timeout), and finding a connection on the server.
import { Cluster, type Redis } from 'ioredis';
import { afterEach } from 'vitest';
import { Subscriber, type SubscriberMessage, type SubscriberOptions } from '../../src/pubsub/index.js';
import type { TestClient } from '../helpers/redis.js';

/** How long to wait for something that should happen within milliseconds. */
const PATIENCE_MS = 20_000;

/** `promise`, or a rejection naming `what` if it has not settled after PATIENCE_MS. The timer is always cleared. */
export async function within<T>(promise: Promise<T>, what: string | (() => string)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`gave up after ${PATIENCE_MS} ms waiting for ${typeof what === 'string' ? what : what()}`));
    }, PATIENCE_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A factory of Subscribers on `redis`; every one it made is closed after each test. */
export function useSubscribers(redis: TestClient): <T = unknown>(options?: SubscriberOptions) => Subscriber<T> {
  const open = new Set<{ close(): Promise<void> }>();
  afterEach(async () => {
    await Promise.all([...open].map((subscriber) => subscriber.close()));
    open.clear();
  });
  return <T = unknown>(options?: SubscriberOptions): Subscriber<T> => {
    const subscriber = new Subscriber<T>({ redis, ...options });
    open.add(subscriber);
    return subscriber;
  };
}

/** The next `count` messages `subscriber`'s handlers get (registered now, removed once they arrived). */
export function nextMessages<T>(subscriber: Subscriber<T>, count: number): Promise<SubscriberMessage<T>[]> {
  const received: SubscriberMessage<T>[] = [];
  let off = (): void => undefined;
  const all = new Promise<SubscriberMessage<T>[]>((resolve) => {
    off = subscriber.onMessage((message) => {
      received.push(message);
      if (received.length === count) {
        off();
        resolve(received);
      }
    });
  });
  return within(all, () => `${count} messages (got ${received.length})`).finally(off);
}

/** Resolves the next time `subscriber` reports that it is subscribed again after a reconnect. */
export function nextResubscribe(subscriber: Subscriber<unknown>): Promise<void> {
  let off = (): void => undefined;
  const resubscribed = new Promise<void>((resolve) => {
    off = subscriber.onResubscribe(() => {
      off();
      resolve();
    });
  });
  return within(resubscribed, 'the subscriber to resubscribe').finally(off);
}

/** The first `count` messages a `for await` loop over `subscriber` reads; the loop starts now. */
export async function readMessages<T>(subscriber: Subscriber<T>, count: number): Promise<SubscriberMessage<T>[]> {
  const read: SubscriberMessage<T>[] = [];
  if (count === 0) return read;
  for await (const message of subscriber) {
    read.push(message);
    if (read.length === count) break;
  }
  return read;
}

/** A CLIENT LIST entry, with the node that reported it. */
export interface ClientEntry {
  node: Redis;
  fields: Record<string, string>;
}

/** Connections named `name` on the server, or on every master of a cluster. */
export async function connectionsNamed(client: TestClient, name: string): Promise<ClientEntry[]> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  const found: ClientEntry[] = [];
  for (const node of nodes) {
    const list = (await node.client('LIST')) as string;
    for (const line of list.split('\n')) {
      const fields = Object.fromEntries(
        line
          .trim()
          .split(' ')
          .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
      );
      if (fields.name === name) found.push({ node, fields });
    }
  }
  return found;
}

/** Kills (CLIENT KILL ID, on the node that holds it) every connection named `name`; resolves with how many. */
export async function killConnectionsNamed(client: TestClient, name: string): Promise<number> {
  let killed = 0;
  for (const { node, fields } of await connectionsNamed(client, name)) {
    killed += Number(await node.client('KILL', 'ID', fields.id!));
  }
  return killed;
}
