import cliProgress from 'cli-progress';

/** One phase of a long command: how far it is. */
export interface Phase {
  /** Sets how many items are done (absolute, not a delta). */
  update(done: number): void;
  /** Ends the phase: a finished bar stays on screen; without a terminal, one closing line. */
  stop(): void;
  /** Ends the phase without a closing report (the work was interrupted): nothing more is drawn. */
  cancel(): void;
}

/** Where progress goes, and how often a line is printed when that is not a terminal. */
export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** A bar redrawn in place (terminal) or plain lines. Default: whether `stream` is a terminal. */
  tty?: boolean;
  /** Between two plain lines. Default 1000 ms: a log never goes 3 s without one. */
  intervalMs?: number;
  /** The clock, for tests. */
  now?: () => number;
}

/**
 * Time left, from the phase's own average rate since it started (items done / time spent).
 * Undefined until the rate means something: at least 1% of the items or 0.5 s of work done,
 * and at least one item. An average over the whole phase never swings to absurd figures on a
 * burst or a pause the way a rate over the last few updates does.
 */
export function estimateSecondsLeft(done: number, total: number | undefined, elapsedMs: number): number | undefined {
  if (total === undefined || done <= 0 || elapsedMs <= 0) return undefined;
  if (done >= total) return 0;
  if (done < total / 100 && elapsedMs < 500) return undefined;
  return ((total - done) * elapsedMs) / done / 1000;
}

/** "12s", "2m 05s"; "…" while there is no estimate yet. */
export function formatSeconds(seconds: number | undefined): string {
  if (seconds === undefined) return '…';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const whole = Math.ceil(seconds);
  return `${Math.floor(whole / 60)}m ${String(whole % 60).padStart(2, '0')}s`;
}

const count = (n: number): string => n.toLocaleString('en-US');

/**
 * Starts a phase on stderr: a bar redrawn in place on a terminal; otherwise a plain line when
 * the phase starts, then one every `intervalMs` while it runs (CI logs, pipes), and one when it
 * ends. `total` undefined for work of unknown size (a cleanup): elapsed time and count only.
 */
export function startPhase(label: string, total: number | undefined, options: ProgressOptions = {}): Phase {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now());
  const started = now();
  let done = 0;
  const describe = (): string => {
    const elapsedMs = now() - started;
    const elapsed = `${(elapsedMs / 1000).toFixed(1)}s`;
    if (total === undefined) return `${count(done)} done, ${elapsed}`;
    const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
    const left = done >= total ? 'done' : `${formatSeconds(estimateSecondsLeft(done, total, elapsedMs))} left`;
    return `${count(done)}/${count(total)} (${percent}%) ${elapsed}, ${left}`;
  };

  // A bar is redrawn often (the elapsed time moves while a step waits); a plain line once per interval.
  const tty = options.tty ?? stream.isTTY === true;
  const output = tty ? barOutput(label, total, stream) : lineOutput(label, stream);
  output.draw(done, describe());
  const timer = setInterval(() => output.draw(done, describe()), tty ? 200 : (options.intervalMs ?? 1000));
  timer.unref();
  return {
    // Only recorded here: the timer draws, so a phase of 100k quick updates pays nothing for its progress.
    update(value) {
      done = value;
    },
    stop() {
      clearInterval(timer);
      output.end(done, describe());
    },
    cancel() {
      clearInterval(timer);
      output.cancel();
    },
  };
}

/** Where a phase's progress is drawn. */
interface Output {
  draw(done: number, status: string): void;
  /** The last drawing: a bar of work of unknown size shows full then. */
  end(done: number, status: string): void;
  /** Stops drawing where it is (a bar releases the terminal line). */
  cancel(): void;
}

function barOutput(label: string, total: number | undefined, stream: NodeJS.WriteStream): Output {
  const bar = new cliProgress.SingleBar(
    {
      // Our own text for the counts and the time left: cli-progress's ETA is a rate over its
      // last few updates, which bursts of updates turn into figures like "12020s".
      format: `  ${label.padEnd(40)} [{bar}] {status}`,
      stream,
      hideCursor: true,
      clearOnComplete: false,
      fps: 10,
      barsize: 24,
    },
    cliProgress.Presets.shades_classic,
  );
  // Work of unknown size shows an empty bar that fills when it ends.
  bar.start(total ?? 1, 0, { status: '' });
  return {
    draw: (done, status) => bar.update(Math.min(done, total ?? 0), { status }),
    end: (done, status) => {
      bar.update(total === undefined ? 1 : Math.min(done, total), { status });
      bar.stop();
    },
    cancel: () => bar.stop(),
  };
}

function lineOutput(label: string, stream: NodeJS.WriteStream): Output {
  const draw = (_done: number, status: string): void => void stream.write(`  ${label}: ${status}\n`);
  return { draw, end: draw, cancel: () => undefined };
}
