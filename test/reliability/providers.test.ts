import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicy, type RefreshPolicy } from '../../platform/config';
import { createTimeSkippingEnv } from '../support/time-skipping';
import { boundViolations, runStorm, spacingViolations, type Decide } from '../support/providers/scripted-fake';

/**
 * SharpSports misbehaving for long stretches, on the time-skipping server with production
 * timings (60 s spacing, 5 min webhook wait, 5 min 424 back-off, 6 h 424 deadline). Single-account
 * 429/424/500 paths are in test/workflow/account-refresh.test.ts; these are the storms: many
 * accounts at once, an hour of maintenance, flakiness with a mix of outcomes. Each family has a
 * negative control: the same check run against a deliberately wrong policy must report violations.
 */
const policy = defaultPolicy({
  SHARPSPORTS_RATE_LIMIT_SECONDS: 60,
  SHARPSPORTS_WEBHOOK_WAIT_SECONDS: 300,
  SHARPSPORTS_PAGE_SIZE: 500,
});
const MINUTE = 60_000;
const ACCOUNTS = 12;

let env: TestWorkflowEnvironment;
let batch = 0;
const accounts = (tag: string, n = ACCOUNTS) => {
  batch += 1;
  return Array.from({ length: n }, (_, i) => `BACT_${tag}${batch}x${i}`);
};

beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const always429: Decide = () => ({ outcome: 'rateLimited' });
/** Book down for one hour of (skipped) time from the first POST, then the refresh succeeds. */
const downForAnHour: Decide = (_id, _attempt, since) =>
  since < 60 * MINUTE ? { outcome: 'bookInactive' } : { status: 200 };
/** Account i answers 500 for its first (i mod 4) refreshes, then 200: 0..3 failures. */
const flaky: Decide = (id, attempt) => {
  const fails = Number(id.split('x').at(-1)) % 4;
  return attempt <= fails ? { status: 500, detail: 'unhandled error' } : { status: 200 };
};
const expectedFlaky = (id: string, p: RefreshPolicy) => {
  const fails = Number(id.split('x').at(-1)) % 4;
  return fails < p.serverErrorMaxAttempts
    ? { status: 200, attempts: fails + 1 }
    : { status: 500, attempts: p.serverErrorMaxAttempts };
};

/** What each account ended with vs what the 500 family defines. */
function flakyMismatches(
  ids: string[],
  results: Map<string, { status: number | null; attempts: number }>,
  p: RefreshPolicy,
) {
  return ids.filter((id) => {
    const r = results.get(id)!;
    const want = expectedFlaky(id, p);
    return r.status !== want.status || r.attempts !== want.attempts;
  });
}

describe('429 storm: every refresh of 12 accounts answered rateLimited', () => {
  it('each account stops after rateLimitedMaxAttempts POSTs, ≥ 60 s apart, with 429 recorded per attempt', async () => {
    const ids = accounts('storm');
    const { fake, results } = await runStorm(env, ids, policy, always429);
    expect(boundViolations(fake, policy.rateLimitedMaxAttempts)).toEqual([]);
    expect(spacingViolations(fake, MINUTE)).toEqual([]);
    let posts = 0;
    for (const id of ids) {
      const l = fake.log.get(id)!;
      posts += l.requests.length;
      expect({ id, status: results.get(id)!.status, attempts: results.get(id)!.attempts }).toEqual({
        id,
        status: 429,
        attempts: policy.rateLimitedMaxAttempts,
      });
      expect(l.requests).toHaveLength(policy.rateLimitedMaxAttempts);
      // refresh_runs: one row per attempt, each 429, attempt numbers 1..N
      expect(l.runs.map((r) => r.status)).toEqual(Array(policy.rateLimitedMaxAttempts).fill(429));
      expect(l.runs.map((r) => r.attempts)).toEqual(
        Array.from({ length: policy.rateLimitedMaxAttempts }, (_, i) => i + 1),
      );
      expect(l.loads).toEqual([]);
    }
    expect(posts).toBe(ACCOUNTS * policy.rateLimitedMaxAttempts);
  });

  it('negative control: a policy with 1 s spacing and 50 attempts breaks both checks', async () => {
    const ids = accounts('stormneg', 3);
    const bad: RefreshPolicy = { ...policy, minSpacingSeconds: 1, rateLimitedMaxAttempts: 50 };
    const { fake } = await runStorm(env, ids, bad, always429);
    expect(spacingViolations(fake, MINUTE).length).toBeGreaterThan(0);
    expect(boundViolations(fake, policy.rateLimitedMaxAttempts)).toHaveLength(3);
  });
});

describe('424 for an hour of skipped time', () => {
  it('backs off 5, 10, 20, 40 min (growing, jittered) and loads once the book is back: 200 after 5 POSTs', async () => {
    const ids = accounts('maint', 4);
    const { fake, results } = await runStorm(env, ids, policy, downForAnHour);
    for (const id of ids) {
      const l = fake.log.get(id)!;
      const r = results.get(id)!;
      const gaps = l.requests.slice(1).map((q, i) => q.at - l.requests[i].at);
      expect({ id, status: r.status, attempts: r.attempts, loads: l.loads.length }).toEqual({
        id,
        status: 200,
        attempts: 5,
        loads: 1,
      });
      expect(l.runs.map((x) => x.status)).toEqual([424, 424, 424, 424, 200]);
      gaps.forEach((g, i) => expect(g).toBeGreaterThanOrEqual(policy.maintenanceBackoffSeconds * 1000 * 2 ** i));
      expect(l.requests.at(-1)!.at - l.requests[0].at).toBeGreaterThanOrEqual(60 * MINUTE);
      expect(l.requests.at(-1)!.at - l.requests[0].at).toBeLessThanOrEqual(policy.maintenanceDeadlineSeconds * 1000);
    }
  });

  it('negative control: a 30 min deadline gives up inside the outage, so the same check fails (424, no load)', async () => {
    const ids = accounts('maintneg', 2);
    const { fake, results } = await runStorm(env, ids, { ...policy, maintenanceDeadlineSeconds: 1800 }, downForAnHour);
    for (const id of ids) {
      expect(results.get(id)!.status).toBe(424);
      expect(fake.log.get(id)!.loads).toEqual([]);
    }
  });
});

describe('500 flakiness across 12 accounts (0..3 failures each)', () => {
  it('accounts with fewer than serverErrorMaxAttempts failures end 200 after failures+1 attempts; the rest end 500 after 3, recorded', async () => {
    const ids = accounts('flaky');
    const { fake, results } = await runStorm(env, ids, policy, flaky);
    expect(flakyMismatches(ids, results, policy)).toEqual([]);
    expect(spacingViolations(fake, MINUTE)).toEqual([]);
    let ok = 0;
    let failed = 0;
    for (const id of ids) {
      const l = fake.log.get(id)!;
      const want = expectedFlaky(id, policy);
      expect(l.runs.at(-1)!.status).toBe(want.status);
      expect(l.runs.filter((x) => x.status === 500)).toHaveLength(
        want.status === 200 ? want.attempts - 1 : want.attempts,
      );
      expect(l.loads).toHaveLength(want.status === 200 ? 1 : 0);
      if (want.status === 200) ok++;
      else failed++;
    }
    expect({ ok, failed }).toEqual({ ok: 9, failed: 3 });
  });

  it('negative control: serverErrorMaxAttempts = 1 makes the flaky accounts end 500, and the check names them', async () => {
    const ids = accounts('flakyneg', 4);
    const { results } = await runStorm(env, ids, { ...policy, serverErrorMaxAttempts: 1 }, flaky);
    expect(flakyMismatches(ids, results, policy)).toEqual(ids.slice(1));
  });
});
