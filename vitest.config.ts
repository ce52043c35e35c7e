import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The longest files, longest first (clean-clone CI on 2026-12-03: 1.5–6.5 minutes each). A clean
 * clone has no duration cache, so vitest starts larger files first; crash-windows, a small file
 * and the longest run, started last and kept one of the two workers busy alone for minutes.
 * A file missing here only runs in vitest's own order.
 */
const LONGEST_FIRST = [
  'test/reliability/crash-windows.test.ts',
  'test/integration/clv-cache.test.ts',
  'test/reliability/temporal-restart.test.ts',
  'test/integration/temporal-ui.test.ts',
  'test/integration/cli-up.test.ts',
  'test/integration/demo.test.ts',
  'test/reliability/webhook-load.test.ts',
  'test/integration/schedules.test.ts',
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = LONGEST_FIRST.findIndex((p) => f.moduleId.endsWith(p));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the rest keep vitest's order.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

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
    sequence: { sequencer: LongestFirst },
  },
});
