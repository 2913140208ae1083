// Collects the process warnings (MaxListenersExceededWarning among them) emitted during each test.
import { afterEach, beforeEach } from 'vitest';

/** Registers hooks that collect each test's process warnings; read them from the returned list. */
export function collectWarnings(): Error[] {
  const warnings: Error[] = [];
  const onWarning = (warning: Error): void => {
    warnings.push(warning);
  };
  beforeEach(() => {
    warnings.length = 0;
    process.on('warning', onWarning);
  });
  afterEach(() => {
    process.off('warning', onWarning);
  });
  return warnings;
}
