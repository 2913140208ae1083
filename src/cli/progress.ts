import cliProgress from 'cli-progress';

/** A progress bar on stderr that stays quiet when stderr is not a terminal (CI logs, pipes). */
export function progressBar(label: string, total: number): { update(done: number): void; stop(): void } {
  const bar = new cliProgress.SingleBar(
    {
      format: `  ${label.padEnd(28)} [{bar}] {percentage}% | {value}/{total} | {eta}s left`,
      stream: process.stderr,
      hideCursor: true,
      noTTYOutput: false,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (done) => bar.update(done),
    stop: () => bar.stop(),
  };
}
