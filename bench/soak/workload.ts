// The soak's mixed load, through the public API only: setMany with TTL, runAllMultithreaded of
// commands through getRedis(), background model saves with TTL (startNewThread + save), getMany
// reading back, and pub/sub (Publisher → Subscriber). Each path writes its own bounded key
// space (keys are rewritten round after round, so the ledger and Redis stay the same size).
import { setTimeout as sleep } from 'node:timers/promises';
import {
  defineModel,
  drainBackgroundTasks,
  Field,
  getMany,
  getRedis,
  KeyField,
  onBackgroundError,
  Publisher,
  runAllMultithreaded,
  setMany,
  startNewThread,
  Subscriber,
  BulkOperationError,
} from '../../src/index.js';
import type { Ledger } from './ledger.js';

/** The TTL every write sets, in seconds; the invariants check it. */
export const TTL_SECONDS = 3600;
/** Keys per write path, rewritten round after round. */
export const KEYS_PER_KIND = 5_000;
export const CHANNEL = 'soak:channel';

/** The model the background saves write (its records are `SoakRecord:<id>`). */
export const modelFields = { id: KeyField(), value: Field() };
export const SoakRecord = defineModel('SoakRecord', modelFields);

/** A message as published: its body is derived from its number, so a corrupt one is told apart. */
export interface SoakMessage {
  seq: number;
  body: string;
}
export const bodyOf = (seq: number): string => `message-${seq}-${'x'.repeat(seq % 64)}`;

/** Options of `runLoad`: `waitReplicas` passes WAIT to setMany and saves. */
export interface LoadOptions {
  stop: AbortSignal;
  ledger: Ledger;
  waitReplicas?: number;
}

const keyOf = (kind: string, slot: number): string => `soak:${kind}:${slot % KEYS_PER_KIND}`;

/**
 * Runs every path until `stop` aborts; resolves when each loop has finished its round and the
 * background saves are drained, with how many of those were still pending after 30 s.
 */
export async function runLoad({ stop, ledger, waitReplicas }: LoadOptions): Promise<{ backgroundPending: number }> {
  const wait = waitReplicas === undefined ? {} : { waitReplicas };
  const stopBackgroundErrors = onBackgroundError((error, task) => {
    const record = task.args[0] as { id: string; value: string } | undefined;
    if (record === undefined) ledger.error('background', error);
    else ledger.failed('modelSave', `SoakRecord:${record.id}`, record.value, error);
  });
  const save = startNewThread(
    async (record: InstanceType<typeof SoakRecord>) => {
      await record.save({ expire: TTL_SECONDS, ...wait });
      ledger.acked('modelSave', `SoakRecord:${record.id}`, record.value);
    },
    { name: 'soak model save' },
  );
  const publisher = new Publisher();
  const subscriber = new Subscriber<SoakMessage>();
  subscriber.onMessage((message) => {
    const data = message.data as Partial<SoakMessage> | Buffer;
    if (message.decodeError !== undefined || Buffer.isBuffer(data) || typeof data.seq !== 'number') {
      ledger.corrupt++;
      return;
    }
    if (data.body !== bodyOf(data.seq)) ledger.corrupt++;
    ledger.received.push(data.seq);
    ledger.count('received');
  });
  await subscriber.subscribe(CHANNEL);

  let round = 0;
  const loop = async (name: string, pauseMs: number, body: (round: number) => Promise<void>): Promise<void> => {
    while (!stop.aborted) {
      const at = round++;
      try {
        await ledger.track(body(at));
      } catch (error) {
        ledger.error(`${name} (unexpected)`, error);
      }
      await sleep(pauseMs);
    }
  };

  const setManyRound = async (n: number): Promise<void> => {
    const entries: [string, string][] = Array.from({ length: 200 }, (_, i) => [
      keyOf('setMany', n * 200 + i),
      `setMany:${n}:${i}`,
    ]);
    for (const [key] of entries) ledger.sending('setMany', key);
    try {
      await setMany(entries, {
        expire: TTL_SECONDS,
        retries: { retries: 5, minDelayMs: 100, maxDelayMs: 1000 },
        ...wait,
      });
      for (const [key, value] of entries) ledger.acked('setMany', key, value);
    } catch (error) {
      const failed = new Set(error instanceof BulkOperationError ? error.failedIndexes : entries.map((_, i) => i));
      const cause: unknown = error instanceof BulkOperationError ? error.errors[0] : error;
      entries.forEach(([key, value], i) => {
        if (failed.has(i)) ledger.failed('setMany', key, value, cause);
        else ledger.acked('setMany', key, value);
      });
    }
  };

  const commandRound = async (n: number): Promise<void> => {
    const items = Array.from({ length: 100 }, (_, i) => [keyOf('command', n * 100 + i), `command:${n}:${i}`] as const);
    await runAllMultithreaded(
      async ([key, value]) => {
        ledger.sending('command', key);
        try {
          await getRedis().set(key, value, 'EX', TTL_SECONDS);
          ledger.acked('command', key, value);
        } catch (error) {
          ledger.failed('command', key, value, error);
        }
      },
      items,
      { concurrency: 16 },
    );
  };

  const modelRound = async (n: number): Promise<void> => {
    for (let i = 0; i < 100; i++) {
      const id = String((n * 100 + i) % KEYS_PER_KIND);
      const value = `model:${n}:${i}`;
      ledger.sending('modelSave', `SoakRecord:${id}`);
      save(new SoakRecord({ id, value }));
    }
    await Promise.resolve();
  };

  const getManyRound = async (n: number): Promise<void> => {
    const keys = Array.from({ length: 200 }, (_, i) => keyOf('setMany', n * 200 + i));
    try {
      await getMany(keys, { retries: { retries: 10, minDelayMs: 100, maxDelayMs: 1000 } });
      ledger.count('getMany', keys.length);
    } catch (error) {
      ledger.error('getMany', error);
    }
  };

  let seq = 0;
  const publishRound = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) {
      const n = seq++;
      try {
        await publisher.publish(CHANNEL, { seq: n, body: bodyOf(n) } satisfies SoakMessage);
        ledger.published.set(n, Date.now());
        ledger.count('publish');
      } catch (error) {
        ledger.error('publish', error);
      }
    }
  };

  let backgroundPending: number;
  try {
    await Promise.all([
      loop('setMany', 20, setManyRound),
      loop('command', 20, commandRound),
      loop('modelSave', 40, modelRound),
      loop('getMany', 40, getManyRound),
      loop('publish', 50, publishRound),
    ]);
  } finally {
    // Saves still queued finish (or fail, reported) before the error handler goes.
    backgroundPending = (await drainBackgroundTasks({ timeoutMs: 30_000 })).pending;
    stopBackgroundErrors();
    // Messages still on their way are let in before the subscriber closes.
    await sleep(500);
    await subscriber.close();
  }
  return { backgroundPending };
}
