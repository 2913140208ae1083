import { planBatches } from '../redis/batch-plan.js';
import type { RedisClient } from '../redis/connection.js';
import { ioredis } from '../redis/ioredis-loader.js';
import { RedisScript, type ScriptCallOptions } from '../redis/script.js';
import { bulkFailure } from '../redis/errors.js';
import { TaskError } from '../utils/errors.js';
import { decodeEach, isC1 } from './codec.js';

/** A record's declared fields, decoded, in declaration order (null: absent), or null for no record. */
export type StoredRecord = unknown[] | null;

/** A read changes nothing: one whose connection was cut before its reply is sent again. */
const SMALL_READ: ScriptCallOptions = { repeatable: true };
/**
 * A call that carries a batch of records is sent at once, not auto-pipelined: Redis runs the
 * first batches while the client still builds the next. Small calls (the few records a
 * `query.get` batcher gathered in one microtask) stay auto-pipelined, which writes all of a
 * tick's calls together instead of one write each. (A batch call made after a small one in the
 * same tick joins it, see `sendCommandOn`: a read mixing small and large calls across cluster
 * slots keeps its order and gives up that gain.)
 */
const BATCH_READ: ScriptCallOptions = { repeatable: true, unpipelined: true };
/** Fewest records in a call sent as a batch: the floor of `recordsPerCall`. */
const BATCH_READ_MIN = 32;

// One command reads a whole batch of records: HMGET of the declared fields for each key, the
// values concatenated into a single string. Every stored value is MessagePack, so the client
// decodes the whole string in one pass; an absent field is written as nil (0xC0). Far fewer
// commands than one HGETALL per record, half the bytes (no field names), and one decoder call
// per batch instead of one reply object and one decode per value: on the client those cost more
// than Redis spends running the script. A key that cannot be read (WRONGTYPE) gets 0xC1 (never
// valid MessagePack) and its error message instead, so it fails alone, not the whole batch, with
// the ReplyError the same reply gives in any other bulk operation.
/** ioredis's error for a Redis error reply (redis-errors' ReplyError, which ships no types). */
function replyError(message: string): Error {
  return new (ioredis().ReplyError as new (message: string) => Error)(message);
}

// Redis runs the loop once per record read, so what it reuses stays in locals: looking up
// redis.pcall and #ARGV on every record was a measurable share of Redis's time per record.
/** The batch read script (exported for the bench, which runs it alone as the Redis side of a read). */
export const READ_RECORDS = new RedisScript(`local out, n = {}, 0
local rcall, fieldCount = redis.pcall, #ARGV
for i = 1, #KEYS do
  local values = rcall('HMGET', KEYS[i], unpack(ARGV))
  if values.err then
    out[n + 1], out[n + 2], n = '\\193', cmsgpack.pack(values.err), n + 2
  else
    for j = 1, fieldCount do
      n = n + 1
      out[n] = values[j] or '\\192'
    end
  end
end
return table.concat(out)`);

/**
 * Records per script call: at most 500 (enough to amortise a call, short enough not to hold
 * Redis), and at least 8 calls per read when there are enough records, so that Redis answers
 * the first calls while it is still running the rest and the client decodes the first replies
 * meanwhile: one big call would leave each side idle while the other works (the models bench
 * compares reads against redis-benchmark's HGETALL rate).
 */
export function recordsPerCall(count: number): number {
  return Math.min(500, Math.max(BATCH_READ_MIN, Math.ceil(count / 8)));
}

/** The records read (converted, if asked), and the positions that could not be read with why. */
interface ReadOutcome<T> {
  records: T[];
  failures: TaskError[];
}

/**
 * Turns a record read from `key` into what the caller keeps (an instance, say). The record's
 * array is refilled for the next record once this returns: copy it to keep it.
 */
export type ConvertRecord<T> = (record: StoredRecord, key: string) => T;

/**
 * Reads many records, each as its field values in `fields` order; a key that cannot be read
 * fails alone. One script call per group of keys (on a cluster, each group holds keys of one
 * slot), all issued in this tick, each written as it is made.
 */
async function readRecordsWithFailures<T>(
  client: RedisClient,
  keys: readonly string[],
  fields: readonly string[],
  convert: ConvertRecord<T>,
): Promise<ReadOutcome<T>> {
  const records = new Array<T>(keys.length);
  const failures: TaskError[] = [];
  const batches = planBatches(client, keys, { batchSize: recordsPerCall(keys.length), shape: 'multi-key' });
  await Promise.all(
    batches.flatMap(({ groups }) =>
      groups.map(({ indexes }) =>
        READ_RECORDS.runBuffer(
          client,
          indexes.map((i) => keys[i]!),
          fields,
          indexes.length >= BATCH_READ_MIN ? BATCH_READ : SMALL_READ,
        ).then(
          (reply) =>
            unpackRecords(
              reply as Buffer,
              { fieldCount: fields.length, indexes, keys, convert },
              { records, failures },
            ),
          (error: unknown) => {
            for (const index of indexes) failures.push(new TaskError(index, error));
          },
        ),
      ),
    ),
  );
  return { records, failures };
}

/** How `readRecords` names its operation in errors, and what it turns each record into. */
export interface ReadRecordsOptions<T> {
  /** Names the operation in a BulkOperationError (`User.query.getMany`). */
  operation: string;
  /**
   * Called on each record as its batch's reply arrives, so that building instances overlaps
   * Redis answering the next batches instead of waiting for the last one. Default: the record.
   */
  convert?: ConvertRecord<T>;
}

/** Like `readRecordsWithFailures`, but rejects (naming every failed position) if any read failed. */
export async function readRecords<T = StoredRecord>(
  client: RedisClient,
  keys: readonly string[],
  fields: readonly string[],
  { operation, convert = asStored as unknown as ConvertRecord<T> }: ReadRecordsOptions<T>,
): Promise<T[]> {
  const { records, failures } = await readRecordsWithFailures(client, keys, fields, convert);
  if (failures.length > 0) throw bulkFailure(operation, keys.length, failures, { client });
  return records;
}

/** The record as it is stored: a copy of the row, which the next record refills. */
function asStored(record: StoredRecord): StoredRecord {
  return record === null ? null : record.slice();
}

/**
 * Reads the script's reply into records, stored at `indexes` of `records`, as the decoder
 * yields its values: one row, refilled for each record and handed to `convert` (which keeps
 * none of it), with no array of the batch's values and none per record. A record whose values
 * are all nil does not exist: a stored record always has its key fields.
 */
function unpackRecords<T>(
  reply: Buffer,
  {
    fieldCount,
    indexes,
    keys,
    convert,
  }: { fieldCount: number; indexes: number[]; keys: readonly string[]; convert: ConvertRecord<T> },
  { records, failures }: ReadOutcome<T>,
): void {
  const row = new Array<unknown>(fieldCount);
  let position = 0; // in `indexes`: the record being read
  let field = 0;
  let present = false;
  let failed = false; // the value that follows a 0xC1 is the message of its key's error
  decodeEach(reply, (value) => {
    if (failed) {
      const index = indexes[position++]!;
      failures.push(new TaskError(index, replyError(`${String(value)} (key ${JSON.stringify(keys[index])})`)));
      failed = false;
      return;
    }
    if (field === 0 && isC1(value)) {
      failed = true;
      return;
    }
    row[field++] = value;
    if (value !== null) present = true;
    if (field < fieldCount) return;
    const index = indexes[position++]!;
    records[index] = convert(present ? row : null, keys[index]!);
    field = 0;
    present = false;
  });
  if (position !== indexes.length || field !== 0 || failed) {
    throw new TypeError(`the read script answered for ${position} of ${indexes.length} records`);
  }
}

interface Pending<T> {
  key: string;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/**
 * Coalesces the record reads issued in one tick: every `read` made before the microtask
 * queue drains goes out in one batched command (per slot on a cluster) instead of one
 * request each. This is what makes `runAllMultithreaded(id => User.query.get({ id }), ids)`
 * cheap: each slot of the pool asks for one record, and the batcher sends them together.
 * Records are converted (decoded into instances) here, so a read costs one promise, not two.
 */
export class ReadBatcher<T> {
  private queue: Pending<T>[] = [];

  constructor(
    private readonly client: RedisClient,
    private readonly fields: readonly string[],
    private readonly convert: ConvertRecord<T>,
  ) {}

  read(key: string): Promise<T> {
    return new Promise((resolve, reject) => {
      if (this.queue.push({ key, resolve, reject }) === 1) queueMicrotask(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    readRecordsWithFailures(
      this.client,
      batch.map((pending) => pending.key),
      this.fields,
      asStored,
    ).then(
      ({ records, failures }) => {
        // Each read fails alone: a broken record (or a failed call) rejects only its own callers.
        const failed = new Map(failures.map((failure) => [failure.index, failure.cause]));
        for (let i = 0; i < batch.length; i++) {
          const pending = batch[i]!;
          if (failed.has(i)) {
            pending.reject(failed.get(i));
            continue;
          }
          try {
            pending.resolve(this.convert(records[i]!, pending.key));
          } catch (error) {
            pending.reject(error);
          }
        }
      },
      (error: unknown) => batch.forEach((pending) => pending.reject(error)),
    );
  }
}
