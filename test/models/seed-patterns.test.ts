// needs: local cluster
// The seed's three patterns with models, on a single Redis and on the cluster: background
// model saves (startNewThread, then drainBackgroundTasks), parallel gets
// (runAllMultithreaded(id => User.query.get({ id }), ids)), and concurrent publishing of
// model-change events.
import { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { defineModel, Field, KeyField, SortedField, type ModelInstance } from '../../src/models/index.js';
import { Publisher, Subscriber } from '../../src/pubsub/index.js';
import { drainBackgroundTasks, runAllMultithreaded, startNewThread } from '../../src/concurrency/index.js';
import { deferred } from '../helpers/async.js';
import { prefixedClient, targets, useKeyPrefix } from '../helpers/redis.js';

describe.each(targets)('seed patterns with models on $name', ({ create }) => {
  const base = create();
  const prefix = useKeyPrefix(base);

  function setup() {
    const p = prefix();
    const redis = prefixedClient(base, p);
    const User = defineModel('User', { id: KeyField(), name: Field(), level: SortedField({ type: 'int' }) }, { redis });
    return { p, redis, User };
  }

  it('saves models in the background and drains them before reading', async () => {
    const { p, User } = setup();
    type User = ModelInstance<(typeof User)['fields']>;
    const saveInBackground = startNewThread((user: User) => user.save({ expire: 3600 }), { name: 'saveUser' });
    const users = Array.from({ length: 300 }, (_, i) => new User({ id: String(i), name: `user ${i}`, level: i % 10 }));
    for (const user of users) expect(saveInBackground(user)).toBeUndefined();
    expect(await drainBackgroundTasks()).toEqual({ completed: 300, failed: 0, pending: 0 });
    expect(await User.query.count()).toBe(300);
    const key = base instanceof Cluster ? `${p}{User}:7` : `${p}User:7`;
    expect(await base.ttl(key)).toBeGreaterThan(3590);
  });

  it('gets models in parallel with runAllMultithreaded, in input order, null when missing', async () => {
    const { User } = setup();
    await runAllMultithreaded(
      (i: number) => User.create({ id: String(i), name: `user ${i}`, level: i }),
      Array.from({ length: 500 }, (_, i) => i),
    );
    const ids = ['42', 'missing', ...Array.from({ length: 500 }, (_, i) => String(499 - i))];
    const users = await runAllMultithreaded((id: string) => User.query.get({ id }), ids);
    expect(users[0]?.name).toBe('user 42');
    expect(users[1]).toBeNull();
    expect(users.slice(2).map((u) => u?.level)).toEqual(Array.from({ length: 500 }, (_, i) => 499 - i));
  });

  it('publishes a model-change event per save, concurrently, and every event arrives decoded', async () => {
    const { p, redis, User } = setup();
    const channel = `${p}user-changed`;
    const subscriber = new Subscriber<{ id: string; level: number; at: Date }>({ redis });
    const events: { id: string; level: number; at: Date }[] = [];
    const all = deferred();
    subscriber.onMessage((message) => {
      if (message.decodeError !== undefined) return;
      events.push(message.data);
      if (events.length === 400) all.resolve();
    });
    await subscriber.subscribe(channel);
    const publisher = new Publisher({ redis });
    try {
      const at = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
      await runAllMultithreaded(
        async (i: number) => {
          const user = await User.create({ id: String(i), name: `user ${i}`, level: i });
          return publisher.publish(channel, { id: user.id, level: user.level, at });
        },
        Array.from({ length: 400 }, (_, i) => i),
      );
      await all.promise;
      expect(events.map((e) => e.id).sort()).toEqual(Array.from({ length: 400 }, (_, i) => String(i)).sort());
      expect(events.every((e) => e.at instanceof Date && e.at.getTime() === at.getTime())).toBe(true);
    } finally {
      await subscriber.close();
    }
  });
});
