// test tier: unit
import { describe, expect, it } from 'vitest';
import { assertKnownKeys, optionNames } from '../../src/utils/validate.js';

interface Options {
  alpha?: number;
  beta?: string;
}

describe('optionNames', () => {
  it('lists the names in declaration order; the compiler refuses one left out or one the type lacks', () => {
    expect(optionNames<Options>({ alpha: true, beta: true })).toEqual(['alpha', 'beta']);
    // @ts-expect-error beta is left out
    optionNames<Options>({ alpha: true });
    // @ts-expect-error gamma is not an option of Options
    optionNames<Options>({ alpha: true, beta: true, gamma: true });
  });

  it('takes the names of every member of a union of option shapes (one per field type, say)', () => {
    type Shapes = { type: 'int'; min?: number } | { type: 'text'; maxLength?: number };
    expect(optionNames<Shapes>({ type: true, min: true, maxLength: true })).toEqual(['type', 'min', 'maxLength']);
    // @ts-expect-error maxLength, of the second shape only, is left out
    optionNames<Shapes>({ type: true, min: true });
  });

  it('feeds assertKnownKeys, whose error names the unknown option and the known ones', () => {
    const known = optionNames<Options>({ alpha: true, beta: true });
    expect(() => assertKnownKeys({ alpah: 1 }, known, 'options')).toThrow(
      new TypeError('options has no option "alpah" (known: alpha, beta)'),
    );
  });
});
