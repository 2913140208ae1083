// test tier: unit
// A bulk failure thrown inside a worker thread comes back with its per-item errors: since
// BulkOperationError is a PopotoError (not an AggregateError) its `errors` travel as the same shape.
import { describe, expect, it } from 'vitest';
import { decodeThrown, encodeThrown } from '../../src/concurrency/thread-errors.js';
import { BulkOperationError } from '../../src/redis/errors.js';
import { TaskError } from '../../src/utils/errors.js';

describe('a BulkOperationError across a worker thread', () => {
  it('keeps its errors, failedIndexes, code and closed', () => {
    const thrown = new BulkOperationError('getMany', 3, [new TaskError(2, new Error('b')), new TaskError(0, 'a')]);
    // structuredClone is what postMessage applies to the record.
    const rebuilt = decodeThrown(structuredClone(encodeThrown(thrown))) as BulkOperationError;
    expect(rebuilt.name).toBe('BulkOperationError');
    expect(rebuilt.message).toBe(thrown.message);
    expect(rebuilt).toMatchObject({ code: 'ERR_POPOTO_BULK_FAILED', failedIndexes: [0, 2], closed: false });
    expect(rebuilt.errors.map((error) => [error.name, error.index])).toEqual([
      ['TaskError', 0],
      ['TaskError', 2],
    ]);
    expect((rebuilt.errors[1]!.cause as Error).message).toBe('b');
  });
});
