import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'path', 'crypto', 'http', 'https', 'net', 'os', 'child_process', 'stream', 'events', 'url', 'util', 'zlib', 'dns', 'tls', 'worker_threads', 'timers', 'process', 'buffer'];

export default tseslint.config(
  { ignores: ['node_modules/**', '.linehouse/**', '.tools/**', 'bin/**', 'eslint.config.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Workflow code is replayed: it must be deterministic, so no I/O and no Node built-ins.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          ...nodeBuiltins.flatMap((m) => [m, `node:${m}`]).map((name) => ({ name, message: 'workflows/ must be deterministic: do I/O in an activity.' })),
          ...['undici', 'ws', '@clickhouse/client', 'chdb', 'chdb/connection', '@temporalio/client', '@temporalio/worker', '@temporalio/activity']
            .map((name) => ({ name, message: 'workflows/ must not import I/O libraries: call an activity (type-only imports are fine).', allowTypeImports: true })),
        ],
        patterns: [{ group: ['node:*'], message: 'workflows/ must not import Node built-ins.' },
                   { group: ['../activities/*', '../activities'], message: 'workflows/ may import activity types only.', allowTypeImports: true }],
      }],
      'no-restricted-globals': ['error', { name: 'setTimeout', message: 'use sleep() from @temporalio/workflow' }, { name: 'setInterval', message: 'use sleep() in a loop' }, { name: 'fetch', message: 'do I/O in an activity' }, { name: 'process', message: 'no process access in workflows' }],
    },
  },
);
