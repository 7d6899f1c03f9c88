// Lint rules: typescript-eslint's recommended set plus the project's habits (STYLE.md "Here").
import tseslint from 'typescript-eslint';
import importGraph from './scripts/lint/import-graph.js';

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
  // The import graph (scripts/lint/import-graph.js): no cycles, type-only imports included, and the
  // dependency rules of DESIGN.md "Layout", by the layer a file lives in under src/.
  {
    files: ['**/*.ts'],
    plugins: { 'import-graph': importGraph },
    rules: {
      'import-graph/no-cycle': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-graph': importGraph },
    rules: {
      'import-graph/layers': [
        'error',
        {
          root: 'src',
          layers: {
            domain: {
              allow: [],
              message: 'domain/ is pure rules over plain data: it imports only domain/.',
            },
            app: {
              allow: ['domain'],
              message: 'use cases and controllers import domain/ and their ports (src/app/ports/) only; adapters are wired in main.ts.',
            },
            slack: {
              deny: ['gcp', 'store', 'sandbox', 'worker', 'main'],
              message: 'listeners record intents through app/ use cases and never call Google Cloud or Firestore themselves.',
            },
            // The stand-ins are independent witnesses: a wrong belief in the bot cannot be confirmed by a
            // stand-in that shares it. embedded.ts wires them to the bot's clock, logger and config: it may
            // name their types, and only them.
            sandbox: {
              deny: ['domain', 'app', 'gcp', 'slack', 'store', 'worker', 'config', 'log', 'main'],
              typeImportsFrom: ['src/sandbox/embedded.ts'],
              message: 'src/sandbox stands in for Google and Slack and imports nothing from the bot: write what it needs from the documentation.',
            },
          },
        },
      ],
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
