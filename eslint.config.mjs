// ESLint for the whole tree: TypeScript with typescript-eslint's type-aware rules against one program
// (tsconfig.test.json covers every package's sources and the tests), JavaScript (bench, configs) without.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    // A disable comment that no longer disables anything is an error too.
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  // Generated, built or installed code, and the local servers' files.
  globalIgnores(['**/node_modules/', '**/dist/', 'packages/proto/src/gen/', '.services/', '.turbo/', 'coverage/', 'bench/out/', 'test/**/*.js']),
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        project: './tsconfig.test.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // A `default` branch is a deliberate catch-all; a switch without one must name every case.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // `_name` marks a binding kept for its position or to leave a property out of a rest object.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // `async` here marks functions that implement a promise-returning interface (handlers, mocks, stubs).
      '@typescript-eslint/require-await': 'off',
      // Rejecting with a caught error or an abort reason (`unknown`, `any`) passes it on as `throw` does.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
    },
  },
  {
    // Tests read wire bodies (JSON.parse, response.json()) as `any` and let expect() check their shape.
    files: ['**/*.test.ts', '**/__fixtures__/**', 'test/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Test helpers hand on closures typed in method syntax (`dispose(): Promise<void>`); none uses `this`.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['**/*.{js,cjs,mjs}'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
);
