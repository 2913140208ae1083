import { createRequire } from 'node:module';
import type * as IORedis from 'ioredis';
import type * as IORedisCommands from '@ioredis/commands';

// ioredis (and its command table) is loaded when it is first needed — a connection opened, an
// ioredis error read — not when popoto-ts is imported: it is most of the import's cost, and a
// program that only uses the thread pool, or is handed a client it made itself, never needs ours.
// Both packages are CommonJS, so `require` returns the very module an `import 'ioredis'` gets
// (one module cache: the same classes, the same `instanceof`), and synchronously, which the
// synchronous paths that read an error's class need. The one place popoto-ts loads them.

const require = createRequire(import.meta.url);

let ioredisModule: typeof IORedis | undefined;
let commandsModule: typeof IORedisCommands | undefined;

/** The ioredis module, loaded on the first call. */
export function ioredis(): typeof IORedis {
  return (ioredisModule ??= require('ioredis') as typeof IORedis);
}

/** The @ioredis/commands module (the commands Redis knows), loaded on the first call. */
export function ioredisCommands(): typeof IORedisCommands {
  return (commandsModule ??= require('@ioredis/commands') as typeof IORedisCommands);
}
