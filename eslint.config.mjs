import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {ignores: ['dist/', 'node_modules/', 'bin/'], linterOptions: {reportUnusedDisableDirectives: 'off'}},
  js.configs.recommended,
  {languageOptions: {globals: globals.node}},
  ...tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
      // With noUncheckedIndexedAccess, `list[i]!` after a bounds check is the honest idiom.
      '@typescript-eslint/no-non-null-assertion': 'off',
      eqeqeq: ['error', 'smart'],
      'no-console': 'error',
    },
  },
  {
    // The domain stays pure: no servers, no terminal, no framework.
    files: ['src/cluster/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {patterns: ['ioredis', '@oclif/*', 'chalk', 'cli-table3', '@inquirer/*', 'cli-progress', 'node:net', 'node:fs*', 'node:child_process', '../redis/*', '../ops/*', '../ui/*', '../commands/*', '../embedded/*']},
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.{ts,mts,mjs}'],
    rules: {'no-console': 'off'},
  },
)
