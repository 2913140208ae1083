// sendCommandOn builds the Command a client's own method builds (src/redis/direct-command.ts
// copies what ioredis's generated command methods do): compared here field by field, so an
// ioredis upgrade that changes how a method builds its Command is caught, and a client of
// another ioredis (5) is handed to its own method instead.
import { createRequire } from 'node:module';
import { Redis, type ChainableCommander, type Command } from 'ioredis';
import { Redis as Redis5 } from 'ioredis5';
import { afterAll, describe, expect, it } from 'vitest';
import { sendCommandOn, type DirectMethod } from '../../src/redis/direct-command.js';
import { redisUrl, runPrefix } from '../helpers/redis.js';

const IOREDIS_VERSION = (createRequire(import.meta.url)('ioredis/package.json') as { version: string }).version;

const clients: { disconnect(): void }[] = [];
afterAll(() => clients.forEach((client) => client.disconnect()));

/** A ready client whose every sent Command is recorded (no auto-pipelining: the methods send directly too). */
async function watchedClient(): Promise<{ client: Redis; sent: Command[] }> {
  const client = new Redis(redisUrl(), {
    keyPrefix: `${runPrefix()}direct:`,
    enableAutoPipelining: false,
    showFriendlyErrorStack: true,
  });
  clients.push(client);
  await client.ping();
  const sent: Command[] = [];
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command, ...rest) => {
    sent.push(command);
    return send(command, ...rest);
  };
  return { client, sent };
}

/** What a Command carries that decides what is sent and how its reply is read. */
function shapeOf(command: Command): unknown {
  // replyEncoding and errorStack are private in ioredis's typings: read as the Command keeps them.
  const { replyEncoding, errorStack } = command as unknown as { replyEncoding: unknown; errorStack: unknown };
  return {
    name: command.name,
    args: command.args.map((arg) => (Buffer.isBuffer(arg) ? arg.toString('latin1') : arg)),
    replyEncoding,
    errorStack: errorStack instanceof Error,
    constructor: command.constructor,
  };
}

describe('sendCommandOn', () => {
  const cases: [DirectMethod, (string | number)[]][] = [
    ['mget', ['a', 'b']],
    ['evalsha', ['0'.repeat(40), 2, 'a', 'b', 'arg']],
    ['evalshaBuffer', ['0'.repeat(40), 1, 'a', 'arg']],
    ['eval', ['return 1', 1, 'a', 'arg']],
    ['evalBuffer', ['return 1', 1, 'a']],
  ];
  it.each(cases)(
    `builds the Command ioredis ${IOREDIS_VERSION}'s %s method builds (prefix, encoding, error stack)`,
    async (method, args) => {
      const { client, sent } = await watchedClient();
      const viaMethod = (client as unknown as Record<DirectMethod, (...a: unknown[]) => Promise<unknown>>)[method];
      await viaMethod.call(client, ...args).catch(() => undefined);
      await (sendCommandOn(client as unknown as ChainableCommander, method, args) as Promise<unknown>).catch(
        () => undefined,
      );
      expect(sent).toHaveLength(2);
      expect(shapeOf(sent[1]!)).toEqual(shapeOf(sent[0]!));
    },
  );

  it('hands a client of another ioredis (5) to its own method', async () => {
    const client = new Redis5(redisUrl(), { keyPrefix: `${runPrefix()}direct5:` });
    clients.push(client);
    await client.ping();
    let made = 0;
    const mget = client.mget.bind(client);
    client.mget = ((...args: Parameters<typeof mget>) => {
      made++;
      return mget(...args);
    }) as typeof client.mget;
    expect(await sendCommandOn(client as never, 'mget', ['nothing:here'])).toEqual([null]);
    expect(made).toBe(1);
  });
});
