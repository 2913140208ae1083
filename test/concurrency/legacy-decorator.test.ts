// test tier: unit
// @startNewThread as a legacy (experimentalDecorators) method decorator, called here with the
// arguments TypeScript passes; decorators.test.ts compiles real decorated classes with tsc.
import { describe, expect, it } from 'vitest';
import { drainBackgroundTasks, startNewThread } from '../../src/concurrency/index.js';

describe('@startNewThread as a legacy decorator, called as TypeScript calls it', () => {
  it('returns a descriptor whose method runs in the background', async () => {
    const calls: unknown[] = [];
    const target = { name: 'target' };
    const descriptor: TypedPropertyDescriptor<(n: number) => void> = {
      value(this: unknown, n: number) {
        calls.push([this, n]);
      },
      writable: true,
      enumerable: false,
      configurable: true,
    };
    const replaced = startNewThread(target, 'record', descriptor);
    expect(replaced).toMatchObject({ writable: true, enumerable: false, configurable: true });
    expect(replaced.value).not.toBe(descriptor.value);
    expect(replaced.value!.call(target, 7)).toBeUndefined();
    expect(calls).toEqual([]);
    await drainBackgroundTasks();
    expect(calls).toEqual([[target, 7]]);
  });

  it('refuses accessors and properties with a TypeError naming them', () => {
    const accessor: PropertyDescriptor = { get: () => 1, configurable: true };
    expect(() => startNewThread({}, 'size', accessor)).toThrow(
      new TypeError('fn must be a method: startNewThread decorates methods only, got an accessor (size)'),
    );
    const call = startNewThread as unknown as (target: object, key: string, descriptor?: PropertyDescriptor) => unknown;
    expect(() => call({}, 'field', undefined)).toThrow(
      new TypeError('fn must be a method: startNewThread decorates methods only, got a property (field)'),
    );
  });
});
