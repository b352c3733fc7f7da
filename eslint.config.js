// Lint: typescript-eslint's type-aware rules, with promises that nobody awaits treated as bugs.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', '.data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.check.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // Fastify plugins and handlers are async by contract, awaited or not.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/test/**', 'test/**'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  { ignores: ['apps/api/browser/**'], languageOptions: { globals: { ...globals.node } } },
  // The status page's script runs in the browser: DOM globals, and its own project (DOM lib, no Node types).
  {
    files: ['apps/api/browser/**/*.ts'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { project: './apps/api/browser/tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A plain script cannot have import statements (they would make it a module): it names the API's types with import().
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
    },
  },
  { files: ['**/*.mjs', 'eslint.config.js'], ...tseslint.configs.disableTypeChecked },
  { files: ['scripts/**/*.mjs'], rules: { 'no-console': 'off' } },
  // Tests speak to the person running them through the test runner's output (why a test skipped).
  { files: ['test/**/*.ts'], rules: { 'no-console': 'off' } },
);
