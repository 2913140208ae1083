// Moving ArrayBuffers between threads instead of copying them.
import { describeValue } from '../utils/errors.js';
import type { ThreadTransferable } from './worker-types.js';

const TRANSFER = Symbol.for('popoto-ts.transfer');

/** A task result marked for transfer (see `transferResult`). */
interface MarkedResult {
  [TRANSFER]: true;
  value: unknown;
  transferList: ThreadTransferable[];
}

/**
 * For a ThreadPool task module: returns `value` marked so that the buffers in `transferList`
 * are moved to the main thread instead of copied (they become detached in the worker). Without
 * `transferList`, an ArrayBuffer moves itself and a typed array or DataView moves its buffer.
 * Typed as `value`'s own type, so the task's result type stays what the main thread receives.
 *
 * @example
 * export default function render(size: number) {
 *   const pixels = new Uint8Array(size);
 *   // ... fill it ...
 *   return transferResult(pixels); // the main thread receives the same memory, not a copy
 * }
 */
export function transferResult<T>(value: T, transferList?: readonly ThreadTransferable[]): T {
  const list =
    transferList !== undefined
      ? [...transferList]
      : value instanceof ArrayBuffer
        ? [value]
        : ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer
          ? [value.buffer]
          : [];
  const marked: MarkedResult = { [TRANSFER]: true, value, transferList: list };
  return marked as T;
}

/** The value and transfer list of a result marked by `transferResult`, or undefined for any other result. */
export function markedTransfer(result: unknown): { value: unknown; transferList: ThreadTransferable[] } | undefined {
  if (typeof result !== 'object' || result === null || (result as Partial<MarkedResult>)[TRANSFER] !== true) {
    return undefined;
  }
  const { value, transferList } = result as MarkedResult;
  return { value, transferList };
}

/** The `transfer` option of `run` / `startNewThread`, checked: an array, or a TypeError naming it. */
export function checkedTransferList(transfer: unknown): readonly ThreadTransferable[] | undefined {
  if (transfer !== undefined && !Array.isArray(transfer)) {
    throw new TypeError(`options.transfer must be an array, got ${describeValue(transfer)}`);
  }
  return transfer as readonly ThreadTransferable[] | undefined;
}
