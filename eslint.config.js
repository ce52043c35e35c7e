import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';

/**
 * The floor plan, lowest first (docs/architecture.md). A folder may import from its own row and
 * the rows above it, never from a row below:
 *   platform/                       warehouse, Temporal, config, log: knows nothing of bets or odds
 *   odds/, schemas/                 price math and the providers' payload shapes
 *   refresh/, feeds/, clv/, rejections/   the product
 *   workflows/, activities/         Temporal code, grouped by the same concerns
 *   workers/                        the process composition: stack, roles, worker, schedules
 *   cli/, bench/, test/             the commands and their checks
 * sandbox/ (the provider simulators) is reachable only from workers/sandboxes.ts, cli/ and test/,
 * and it reaches only platform/, odds/ and schemas/, so its ground truth never runs product code.
 */
const PRODUCT = ['refresh', 'feeds', 'clv', 'rejections'];
const ABOVE_PRODUCT = ['workflows', 'activities', 'workers', 'cli', 'bench', 'test', 'sandbox'];
const MESSAGES = ['./refresh/messages.ts', './refresh/cadence-messages.ts', './backfill/messages.ts'];
const zone = (target, from, why, except) => ({
  target: `./${target}`,
  from: `./${from}`,
  message: why,
  ...(except ? { except } : {}),
});
const layerZones = [
  ...['odds', 'schemas', ...PRODUCT, ...ABOVE_PRODUCT].map((f) =>
    zone('platform', f, 'platform/ is the bottom layer: it must not know the product.'),
  ),
  ...['odds', 'schemas'].flatMap((t) =>
    [...PRODUCT, ...ABOVE_PRODUCT].map((f) =>
      zone(t, f, `${t}/ sits below the product: move the shared piece down instead.`),
    ),
  ),
  ...PRODUCT.flatMap((t) =>
    ABOVE_PRODUCT.filter((f) => f !== 'workflows').map((f) =>
      zone(t, f, `${t}/ is product code: it must not import ${f}/ (pass what it needs in from workers/).`),
    ),
  ),
  ...PRODUCT.map((t) =>
    zone(
      t,
      'workflows',
      `${t}/ may import a workflow's messages file only (signals, ids), never workflow code.`,
      MESSAGES,
    ),
  ),
  ...['workflows', 'activities'].flatMap((t) =>
    ['workers', 'cli', 'bench', 'test', 'sandbox'].map((f) =>
      zone(t, f, `${t}/ must not import ${f}/: composition lives in workers/.`),
    ),
  ),
  zone(
    'activities',
    'workflows',
    'activities/ may import workflow messages files only, never workflow code.',
    MESSAGES,
  ),
  ...['cli', 'bench', 'test'].map((f) => zone('workers', f, `workers/ must not import ${f}/.`)),
  {
    target: './workers',
    from: './sandbox',
    except: [],
    message: 'Only workers/sandboxes.ts may import sandbox/ (loaded lazily under --sandbox).',
  },
  ...[...PRODUCT, 'workflows', 'activities', 'workers', 'cli', 'bench', 'test'].map((f) =>
    zone(
      'sandbox',
      f,
      'sandbox/ simulates providers from their documents: it must not run product code (its ground truth would move with the code under test).',
    ),
  ),
  ...['bench', 'test'].map((f) => zone('cli', f, `cli/ must not import ${f}/.`)),
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      '.linehouse/**',
      '.tools/**',
      'dist/**',
      'bin/**',
      'eslint.config.js',
      'test-results/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.mjs', '.json'] })],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts', '.js', '.mjs'],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: layerZones }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // The one door from the product's process into the simulators.
    files: ['workers/sandboxes.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: import.meta.dirname,
          zones: layerZones.filter((z) => !(z.target === './workers' && z.from === './sandbox')),
        },
      ],
    },
  },
  {
    // Workflow code is replayed: it must be deterministic, so no I/O and no Node built-ins.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...builtinModules
              .filter((m) => !m.startsWith('_'))
              .flatMap((m) => [m, `node:${m}`])
              .map((name) => ({ name, message: 'workflows/ must be deterministic: do I/O in an activity.' })),
            ...[
              'undici',
              'ws',
              '@clickhouse/client',
              'chdb',
              'chdb/connection',
              '@temporalio/client',
              '@temporalio/worker',
              '@temporalio/activity',
            ].map((name) => ({
              name,
              message: 'workflows/ must not import I/O libraries: call an activity (type-only imports are fine).',
              allowTypeImports: true,
            })),
          ],
          patterns: [
            { group: ['node:*'], message: 'workflows/ must not import Node built-ins.' },
            {
              group: ['**/activities', '**/activities/**'],
              message: 'workflows/ may import activity types only.',
              allowTypeImports: true,
            },
            {
              regex: '(^|/)platform/(?!temporal/search-attributes$)',
              message: 'workflows/ may import platform types only (search attributes excepted).',
              allowTypeImports: true,
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'use sleep() from @temporalio/workflow' },
        { name: 'setInterval', message: 'use sleep() in a loop' },
        { name: 'fetch', message: 'do I/O in an activity' },
        { name: 'process', message: 'no process access in workflows' },
      ],
    },
  },
);
