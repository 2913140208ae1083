// The fuzz tests' oracle: every generated argument is judged against the documented rule of its
// parameter, so each call knows beforehand whether it must be accepted or refused, and if
// refused, which names the error may give. A call with only valid arguments must succeed; a call
// with an invalid one must fail with a TypeError or RangeError naming one of the invalid ones.
import { inspect } from 'node:util';
import fc from 'fast-check';
import { expect } from 'vitest';
import { settleWithin } from '../helpers/async.js';

/** What one parameter or option accepts: values generated as valid, and the rule that judges any value. */
export interface Rule {
  valid: fc.Arbitrary<unknown>;
  accepts(value: unknown): boolean;
}

/** setTimeout's largest delay: the library refuses longer durations (utils/validate.ts). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** An integer >= `min` (or Infinity when allowed). */
export function integerRule(min: number, { infinity = false } = {}): Rule {
  const finite = fc.oneof(fc.integer({ min, max: min + 64 }), fc.constant(2 ** 40));
  return {
    valid: infinity ? fc.oneof(finite, fc.constant(Infinity)) : finite,
    accepts: (v) => typeof v === 'number' && v >= min && (Number.isInteger(v) || (infinity && v === Infinity)),
  };
}

/** A number of milliseconds from `min` to what a timer can honour; generated small, so runs stay quick. */
export function durationRule(min: number): Rule {
  return {
    valid: fc.oneof(fc.integer({ min, max: min + 50 }), fc.constant(MAX_TIMER_MS)),
    accepts: (v) => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= MAX_TIMER_MS,
  };
}

export const booleanRule: Rule = { valid: fc.boolean(), accepts: (v) => typeof v === 'boolean' };
export const functionRule: Rule = {
  valid: fc.constant(() => undefined),
  accepts: (v) => typeof v === 'function',
};
/** A signal that has not fired (an aborted one is valid too, but ends the call with an AbortError). */
export const signalRule: Rule = {
  valid: fc.constant(null).map(() => new AbortController().signal),
  accepts: (v) => v instanceof AbortSignal,
};

const RETRY_KEYS = ['retries', 'minDelayMs', 'maxDelayMs', 'retryIf'];
const DEFAULT_MIN_DELAY_MS = 50;

/** `retries`: an integer >= 0, or `{ retries, minDelayMs?, maxDelayMs? (>= minDelayMs), retryIf? }`. */
export const retriesRule: Rule = {
  valid: fc.oneof(
    fc.integer({ min: 0, max: 3 }),
    fc.record(
      {
        retries: fc.integer({ min: 0, max: 3 }),
        minDelayMs: fc.integer({ min: 0, max: 20 }),
        retryIf: functionRule.valid,
      },
      { requiredKeys: ['retries'] },
    ),
  ),
  accepts(v) {
    if (typeof v === 'number') return Number.isInteger(v) && v >= 0;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
    const r = v as Record<string, unknown>;
    if (!Object.keys(r).every((key) => RETRY_KEYS.includes(key))) return false;
    if (!(typeof r.retries === 'number' && Number.isInteger(r.retries) && r.retries >= 0)) return false;
    const min = r.minDelayMs ?? DEFAULT_MIN_DELAY_MS;
    if (!durationRule(0).accepts(min)) return false;
    if (r.maxDelayMs !== undefined && !durationRule(min as number).accepts(r.maxDelayMs)) return false;
    return r.retryIf === undefined || typeof r.retryIf === 'function';
  },
};

/** Anything `for...of` or `for await` walks: params of the run functions. */
export const iterableRule: Rule = {
  valid: fc.oneof(
    fc.array(fc.integer(), { maxLength: 20 }),
    fc.string({ maxLength: 5 }),
    fc.array(fc.integer(), { maxLength: 5 }).map((values) => new Set(values)),
  ),
  accepts(v) {
    if (v === null || v === undefined) return false;
    const candidate = v as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown };
    return typeof candidate[Symbol.iterator] === 'function' || typeof candidate[Symbol.asyncIterator] === 'function';
  },
};

/** An argument with the names a refusal of it may give: none when it is valid. */
export interface Judged {
  value: unknown;
  offending: string[];
}

/** A positional parameter: mostly valid values, sometimes anything from `hostile`, judged by `rule`. */
export function judgedParam(name: string, rule: Rule, hostile: fc.Arbitrary<unknown>): fc.Arbitrary<Judged> {
  return fc
    .oneof({ weight: 3, arbitrary: rule.valid }, { weight: 1, arbitrary: hostile })
    .map((value) => ({ value, offending: rule.accepts(value) ? [] : [name] }));
}

/**
 * An options argument, judged: left out, not an object at all, or an object whose known options
 * are mostly valid and sometimes hostile, now and then with a misspelt one. A present option
 * that is undefined counts as left out; an unknown key is offending whatever its value.
 */
export function judgedOptions(rules: Record<string, Rule>, hostile: fc.Arbitrary<unknown>): fc.Arbitrary<Judged> {
  const option = (rule: Rule): fc.Arbitrary<unknown> =>
    fc.oneof({ weight: 4, arbitrary: rule.valid }, { weight: 1, arbitrary: hostile });
  const record = fc.record(Object.fromEntries(Object.entries(rules).map(([name, rule]) => [name, option(rule)])), {
    requiredKeys: [],
  });
  return fc
    .oneof(
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: hostile },
      { weight: 6, arbitrary: record },
      { weight: 1, arbitrary: fc.tuple(record, hostile).map(([o, v]) => ({ ...o, misspelt_option: v })) },
    )
    .map((value) => ({ value, offending: judgeOptions(value, rules) }));
}

/** The names an options value is wrong in: `options` itself, or each unknown or invalid option. */
export function judgeOptions(value: unknown, rules: Record<string, Rule>): string[] {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['options'];
  const offending: string[] = [];
  for (const [key, option] of Object.entries(value)) {
    const rule = Object.hasOwn(rules, key) ? rules[key] : undefined;
    if (rule === undefined || (option !== undefined && !rule.accepts(option))) offending.push(key);
  }
  return offending;
}

/** Whether `message` names `name` as a word (not as part of another one), or quoted as JSON (an unknown option). */
function names(message: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w])${escaped}([^\\w]|$)`).test(message) || message.includes(JSON.stringify(name));
}

/**
 * Calls `run` with judged arguments and holds it to the verdict: it settles within 5 s; with no
 * offending name it succeeds; otherwise it fails with a TypeError or RangeError naming one of
 * them. `refusedWrites`: measures the writes the refused call sent (must be none), when given.
 */
export async function expectVerdict(
  run: () => unknown,
  offending: readonly string[],
  refusedWrites?: () => Promise<() => Promise<number>>,
): Promise<void> {
  const counted = offending.length > 0 && refusedWrites !== undefined ? await refusedWrites() : undefined;
  const outcome = await settleWithin(
    Promise.resolve().then(() => run()),
    5000,
  );
  expect(outcome.settled, 'the call settled within 5 s').toBe(true);
  if (!outcome.settled) return;
  if (offending.length === 0) {
    expect(outcome.ok, `valid input was refused: ${inspect(outcome.error)}`).toBe(true);
    return;
  }
  expect(outcome.ok, `input invalid in ${offending.join(', ')} was accepted`).toBe(false);
  const { error } = outcome;
  expect(
    error instanceof TypeError || error instanceof RangeError,
    `refused with a TypeError or RangeError: ${inspect(error)}`,
  ).toBe(true);
  const message = (error as Error).message;
  expect(
    offending.some((name) => names(message, name)),
    `the error names one of ${offending.join(', ')}: ${message}`,
  ).toBe(true);
  if (counted !== undefined) expect(await counted(), 'a refused call wrote nothing').toBe(0);
}

/** Runs `expectVerdict` for every generated list of judged arguments. */
export function fuzzJudged(
  args: fc.Arbitrary<Judged[]>,
  call: (...values: unknown[]) => unknown,
  settings: { runs: number; refusedWrites?: () => Promise<() => Promise<number>> },
): Promise<void> {
  return fc.assert(
    fc.asyncProperty(args, async (judged) => {
      await expectVerdict(
        () => call(...judged.map((j) => j.value)),
        judged.flatMap((j) => j.offending),
        settings.refusedWrites,
      );
    }),
    { numRuns: settings.runs },
  );
}
