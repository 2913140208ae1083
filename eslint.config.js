// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { layers } from './eslint.layers.js';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'coverage/',
      'bench-results/',
      '.bench-build/',
      'docs/',
      'test/interop/vendor/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js', 'eslint.layers.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Fire-and-forget is this library's subject: every floating promise must be deliberate (`void`).
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // A run rejects with exactly what a task threw or what signal.reason holds, Error or not.
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
    },
  },
  // Layers run one way (eslint.layers.js); test/lint/layers.test.ts proves each rule can fail.
  ...layers,
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests unpack error objects of known shape and assert on them.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Tests build rejecting promises from async functions and throw non-Errors on purpose.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/only-throw-error': 'off',
      // expectTypeOf(User.query.get) inspects a method's type; it is never called unbound.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
