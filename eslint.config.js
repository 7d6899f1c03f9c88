// Lint rules: typescript-eslint's recommended set plus the project's habits (STYLE.md "Here").
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // dayjs through src/domain/time.ts only: its plugins are set up there, and its helpers take the time.
    files: ['src/**'],
    ignores: ['src/domain/time.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['dayjs', 'dayjs/*'], message: 'Use src/domain/time.ts (utcAt, duration).' }] }] },
  },
  {
    // The terminal console, scripts and benchmarks talk to a person through stdout on purpose.
    files: ['src/sandbox/console/**', 'scripts/**', 'bench/**'],
    rules: { 'no-console': 'off' },
  },
);
