import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    pool: 'forks',
    // Integration tests each start a Temporal dev server and a chDB engine; two cores fit two at once.
    maxWorkers: 2,
    // Limits, not timing assertions: the real-stack tests take 60–120 s on this 2-core machine and
    // up to twice that when it runs slow (2026-12-03), so a hung test fails at 5 minutes instead.
    testTimeout: 300_000,
    hookTimeout: 180_000,
    include: ['test/**/*.test.ts'],
  },
});
