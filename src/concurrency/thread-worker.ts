// The module piscina runs in each worker thread of a ThreadPool. It loads the caller's task
// module once per thread, runs the task function, checks that the result can be sent back,
// and turns whatever is thrown into a record the main thread rebuilds into the same error.
// It must not fail to load itself: piscina would not replace a worker that dies while starting.
import { createRequire } from 'node:module';
import { sep } from 'node:path';
import { BroadcastChannel, threadId, workerData } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { messageOf } from '../utils/errors.js';
import { findUncloneable } from './cloneable.js';
import { encodeThrown } from './thread-errors.js';
import { WORKER_CONFIG_KEY, type WorkerConfig, type WorkerMessage } from './thread-protocol.js';
import { ensureTsLoader, isTypeScriptUrl } from './thread-modules.js';
import { markedTransfer } from './transfer.js';

const config = (workerData as Record<string, WorkerConfig>)[WORKER_CONFIG_KEY]!;
let taskFunction: Promise<(param: unknown) => unknown> | undefined;
/** The task function once loaded: later tasks call it without waiting on the import again. */
let loaded: ((param: unknown) => unknown) | undefined;

/** Runs one task; piscina posts the returned value (or the thrown record) to the main thread. */
export default async function runTask(param: unknown): Promise<unknown> {
  try {
    const fn = loaded ?? (loaded = await (taskFunction ??= loadTaskFunction()));
    const result = await fn(param);
    const marked = markedTransfer(result);
    const value = marked === undefined ? result : marked.value;
    const problem = findUncloneable(value, 'result', marked?.transferList);
    if (problem !== undefined) {
      throw new TypeError(`the task's result cannot be sent back from its worker thread: ${problem}`);
    }
    if (marked === undefined) return value;
    // piscina's own "move" form: a value with the list of what to transfer along with it.
    return move({ [transferableSymbol]: marked.transferList, [valueSymbol]: value } as never);
  } catch (error) {
    // A plain object, so that structured clone keeps all of it (see thread-errors.ts).
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw encodeThrown(error);
  }
}

/** Imports the task module once per thread; a failure fails every task with the same TypeError, never a hang. */
async function loadTaskFunction(): Promise<(param: unknown) => unknown> {
  const { moduleUrl, exportName } = config;
  if (isTypeScriptUrl(moduleUrl)) await ensureTsLoader(moduleUrl);
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(moduleUrl)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' && messageOf(error).includes(moduleUrl)) {
      throw new TypeError(`taskModuleUrl could not be loaded: no module at ${moduleUrl}`, { cause: error });
    }
    throw error;
  }
  const fn = namespace[exportName];
  if (typeof fn !== 'function') {
    const exported = Object.keys(namespace);
    throw new TypeError(
      `taskModuleUrl ${moduleUrl} has no function export ${JSON.stringify(exportName)} ` +
        `(${exported.length === 0 ? 'it exports nothing' : `its exports: ${exported.join(', ')}`}); ` +
        'export the task function as default, or name it with the exportName option',
    );
  }
  return fn as (param: unknown) => unknown;
}

// Closing: the pool broadcasts `close`; each worker closes what it opened for its tasks (the
// shared Redis connection of popoto-ts/redis) and answers, before the pool terminates it.
const channel = new BroadcastChannel(config.channel);
channel.unref();
channel.onmessage = (event: MessageEvent) => {
  if ((event.data as WorkerMessage).type !== 'close') return;
  void closeResources().then((error) =>
    channel.postMessage({ type: 'closed', threadId, error } satisfies WorkerMessage),
  );
};
channel.postMessage({ type: 'ready', threadId } satisfies WorkerMessage);

/** Closes the worker's Redis connection if its task module used one; resolves with a failure message, if any. */
async function closeResources(): Promise<string | undefined> {
  // Importing the Redis layer only to close it would load ioredis into every worker of a pure
  // CPU pool; ioredis (CommonJS) sits in this thread's require cache once anything used it.
  const cache = createRequire(import.meta.url).cache;
  if (!Object.keys(cache).some((path) => path.includes(`${sep}ioredis${sep}`))) return undefined;
  try {
    const redis = await import('../redis/index.js');
    await redis.disconnect();
    return undefined;
  } catch (error) {
    return messageOf(error);
  }
}
