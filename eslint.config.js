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
  // The stand-ins in src/sandbox are independent witnesses (DESIGN.md "Layout"): they import nothing
  // from the bot's layers, so a wrong belief in the bot cannot be confirmed by a stand-in that shares
  // it. The relative prefix differs with the depth of the file, hence one block per depth.
  ...[
    ['src/sandbox/*.ts', '\\.\\./'],
    ['src/sandbox/embedded.ts', '\\.\\./'],
    ['src/sandbox/*/*.ts', '\\.\\./\\.\\./'],
    ['src/sandbox/*/*/**/*.ts', '\\.\\./\\.\\./\\.\\./'],
  ].map(([files, up]) => ({
    files: [files],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^${up}(domain|app|gcp|slack|store|worker)(/|$)`,
              message: 'src/sandbox stands in for Google and Slack and imports nothing from the bot (domain, app, gcp, slack, store, worker): write what it needs from the documentation.',
              // embedded.ts wires the stand-ins to the bot's clock and logger: it may name their types, and only them.
              allowTypeImports: files === 'src/sandbox/embedded.ts',
            },
          ],
        },
      ],
    },
  })),
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
