import type { Linter } from 'eslint';

/** The layering rules of eslint.layers.js, one config block per folder of src/. */
export declare const layers: Linter.Config[];
