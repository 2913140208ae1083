// test tier: unit
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { estimateSecondsLeft, formatSeconds, startPhase } from '../../src/cli/progress.js';
import { renderTable } from '../../src/cli/table.js';
import { eventually } from '../helpers/async.js';

describe('estimateSecondsLeft', () => {
  it("is the remaining items at the phase's average rate so far", () => {
    expect(estimateSecondsLeft(5_000, 20_000, 1_000)).toBe(3);
    expect(estimateSecondsLeft(20_000, 20_000, 4_000)).toBe(0);
  });

  it('gives no figure before 1% of the items or 0.5 s of work (a burst of early updates says nothing)', () => {
    expect(estimateSecondsLeft(0, 20_000, 2_000)).toBeUndefined();
    expect(estimateSecondsLeft(1, 20_000, 1)).toBeUndefined();
    expect(estimateSecondsLeft(199, 20_000, 400)).toBeUndefined();
    expect(estimateSecondsLeft(200, 20_000, 400)).toBeCloseTo(39.6);
    expect(estimateSecondsLeft(10, undefined, 1_000)).toBeUndefined();
  });

  it('a queue filled at once and drained steadily is estimated from the drain, not the fill', () => {
    // 20k background saves queued in 5 ms, then 3,000 done after 0.3 s: 1.7 s left, not hours.
    expect(estimateSecondsLeft(3_000, 20_000, 300)).toBeCloseTo(1.7);
  });
});

describe('formatSeconds', () => {
  it('rounds up to whole seconds, minutes past 60 s, and an ellipsis without an estimate', () => {
    expect(formatSeconds(0.2)).toBe('1s');
    expect(formatSeconds(59)).toBe('59s');
    expect(formatSeconds(125)).toBe('2m 05s');
    expect(formatSeconds(undefined)).toBe('…');
  });
});

describe('startPhase without a terminal', () => {
  it('prints a line when it starts, one per interval while it runs, and one when it stops', async () => {
    const stream = new PassThrough();
    let output = '';
    stream.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    let now = 0;
    const phase = startPhase('saves', 1_000, {
      stream: stream as unknown as NodeJS.WriteStream,
      tty: false,
      intervalMs: 20,
      now: () => now,
    });
    now = 1_000;
    phase.update(250);
    // The 250 line is drawn by the next tick of the 20 ms interval.
    expect(await eventually(() => output.includes('250/1,000'))).toBe(true);
    now = 4_000;
    phase.update(1_000);
    phase.stop();
    const lines = output.trimEnd().split('\n');
    expect(lines[0]).toBe('  saves: 0/1,000 (0%) 0.0s, … left');
    expect(lines).toContain('  saves: 250/1,000 (25%) 1.0s, 3s left');
    expect(lines.at(-1)).toBe('  saves: 1,000/1,000 (100%) 4.0s, done');
  });
});

describe('renderTable', () => {
  it('right-aligns numeric columns and the ones named, and trims trailing spaces', () => {
    expect(
      renderTable(
        ['step', 'n', 'x'],
        [
          ['a', 1_000, '1.0×'],
          ['bb', 20, '12.5×'],
        ],
        [2],
      ),
    ).toBe(['step      n      x', '----  -----  -----', 'a     1,000   1.0×', 'bb       20  12.5×'].join('\n'));
  });
});
