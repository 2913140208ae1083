/**
 * popoto-ts/utils/multithreading: the public path of the concurrency helpers, named after
 * Python Popoto's `popoto.utils.multithreading` so that ported code finds them where it expects.
 * The engine itself lives in `src/concurrency/`.
 */
export * from '../concurrency/index.js';
