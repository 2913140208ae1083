// test tier: unit
// The error model the README's "Errors" table states: every error the library throws on purpose
// has a stable ERR_POPOTO_ code, the table lists each one, and PopotoError is the base of those
// that are not argument errors (TypeError, RangeError).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import * as multithreading from '../../src/concurrency/index.js';
import * as models from '../../src/models/index.js';
import * as pubsub from '../../src/pubsub/index.js';
import * as redis from '../../src/redis/index.js';

/** One instance of every exported error class, as the library makes them. */
const instances: Record<string, Error & { code?: unknown }> = {
  TaskTimeoutError: new api.TaskTimeoutError(3, 40),
  TaskError: new api.TaskError(3, new Error('x')),
  ThreadCrashError: new api.ThreadCrashError('the thread exited', { exitCode: 1, cause: undefined }),
  ThreadPoolClosedError: new api.ThreadPoolClosedError('ThreadPool(a.ts) is closed: create a new ThreadPool'),
  ThreadCleanupError: new api.ThreadCleanupError("closing a worker thread's Redis connection failed: x"),
  TsxNotFoundError: new api.TsxNotFoundError('running popoto-ts from its TypeScript sources needs tsx installed'),
  BackgroundQueueFullError: new api.BackgroundQueueFullError('save', 10, 10),
  NoRedisError: new api.NoRedisError('no Redis'),
  RedisServerStartError: new api.RedisServerStartError('redis-server is not on PATH'),
  RedisConnectionError: new api.RedisConnectionError('refused'),
  RedisUnavailableError: new api.RedisUnavailableError('gone', 5000),
  RedisClosedError: new api.RedisClosedError(),
  RedisNotConnectedError: new api.RedisNotConnectedError('not connected'),
  RedisAlreadyConnectedError: new api.RedisAlreadyConnectedError('already connected'),
  BulkOperationError: new api.BulkOperationError('getMany', 2, [new api.TaskError(1, new Error('x'))]),
  RedisNoReplyError: new api.RedisNoReplyError('no reply for this command'),
  NoSlotOwnerError: new api.NoSlotOwnerError('no known master serves hash slot 1'),
  ModelValidationError: new api.ModelValidationError('User', 'age', 'x', 'an int'),
  ModelWriteError: new api.ModelWriteError([], 'failed'),
  MultipleRecordsError: new api.MultipleRecordsError('get', { email: 'a' }, ['User:1', 'User:2']),
  RecordKeyMismatchError: new api.RecordKeyMismatchError('User: x is not a record key of this model'),
  SubscriberOverflowError: new api.SubscriberOverflowError(100),
  MessageDecodeError: new api.MessageDecodeError('not a MessagePack payload: x'),
  ResubscribeError: new api.ResubscribeError('resubscribing after a reconnect failed: x'),
  ShardedPubSubUnsupportedError: new api.ShardedPubSubUnsupportedError('6.2.0', ['SPUBLISH']),
  ReplicasNotConfirmedError: new api.ReplicasNotConfirmedError(0, 1, 100),
};

/** The errors that keep a platform parent: argument errors. */
const platformParents: Record<string, ErrorConstructor> = {
  ModelValidationError: TypeError,
};

describe('the error model', () => {
  it('covers every error class the package exports', () => {
    const exported = Object.keys(api).filter((name) => /^[A-Z]\w*Error$/.test(name) && name !== 'TimeoutError');
    expect(exported.filter((name) => name !== 'PopotoError').sort()).toEqual(Object.keys(instances).sort());
  });

  it('gives each a distinct, stable ERR_POPOTO_ code and its own name', () => {
    const codes = Object.entries(instances).map(([name, error]) => {
      expect(error.name).toBe(name);
      expect(error.code).toMatch(/^ERR_POPOTO_[A-Z_]+$/);
      return error.code;
    });
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('makes PopotoError the base of every one that is not an argument error', () => {
    for (const [name, error] of Object.entries(instances)) {
      const parent = platformParents[name];
      if (parent === undefined) expect(error, name).toBeInstanceOf(api.PopotoError);
      else expect(error, name).toBeInstanceOf(parent);
    }
  });

  it('exports PopotoError from the root and from each subpath that throws', () => {
    for (const module of [multithreading, redis, models, pubsub]) expect(module.PopotoError).toBe(api.PopotoError);
  });

  it('keeps TimeoutError as a deprecated alias of TaskTimeoutError, named apart from the platform one', () => {
    expect(api.TimeoutError).toBe(api.TaskTimeoutError);
    expect(new api.TaskTimeoutError(0, 1).name).toBe('TaskTimeoutError'); // the platform's is 'TimeoutError'
  });

  it("the README's Errors table lists each error with its code, and nothing else", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Errors'), readme.indexOf('\n## ', readme.indexOf('## Errors') + 1));
    const rows = [...section.matchAll(/^\| `(\w+)`[^|]*\| `(ERR_POPOTO_\w+)`\s*\|/gm)].map(([, name, code]) => [
      name,
      code,
    ]);
    expect(Object.fromEntries(rows)).toEqual(
      Object.fromEntries(Object.entries(instances).map(([name, error]) => [name, error.code])),
    );
  });
});
