import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    pool: 'forks',
    // Integration tests each start a Temporal dev server and a chDB engine; two cores fit two at once.
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    include: ['test/**/*.test.ts'],
  },
});
