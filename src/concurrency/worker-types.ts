// Node's worker_threads types that popoto-ts's declarations name, declared here by shape.
// Imported from node:worker_threads, they tie the published .d.ts files to one range of
// @types/node: `TransferListItem` is gone from @types/node 26, and a consumer's tsc (without
// skipLibCheck) then fails inside our declarations. test/package/package.test.ts compiles the
// packed declarations against several @types/node majors.

/**
 * What a ThreadPool hand-off moves to the other thread instead of copying it: an `ArrayBuffer`,
 * or another object Node can transfer (a `MessagePort`, a `FileHandle`, a web stream ...). Any
 * object passes the type check; one Node cannot transfer is refused when it is sent
 * (a `DataCloneError`).
 */
export type ThreadTransferable = ArrayBuffer | object;

/** V8 heap and stack limits of a worker thread, in MB: Node's `worker_threads` `ResourceLimits`. */
export interface ThreadResourceLimits {
  /** Largest size of the main (old generation) heap. */
  maxOldGenerationSizeMb?: number;
  /** Largest size of the heap space for recently created objects. */
  maxYoungGenerationSizeMb?: number;
  /** Size of the pre-allocated memory range used for generated code. */
  codeRangeSizeMb?: number;
  /** Default maximum stack size of the thread. */
  stackSizeMb?: number;
}
