import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {ignores: ['dist/', 'node_modules/', 'bin/']},
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
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
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.mjs'],
    rules: {'no-console': 'off', '@typescript-eslint/no-non-null-assertion': 'off'},
  },
)
