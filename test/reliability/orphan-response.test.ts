import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../lib/stack';
import { count, eventually, startTestStack } from '../helpers/stack';
import { diffAccount, loadsPerResponse, refreshAccount } from './helpers-providers/sharpsports-stack';

/**
 * A refresh request that reached SharpSports from a process that died before recording the
 * answer: the retried request gets another requestId, and when the first response's webhook never
 * comes either, nothing waits for it. The crash test found this (11 slips of the lost-webhook
 * bettor missing after a kill mid-POST). Real stack: Temporal dev server, chDB, the SharpSports
 * sandbox over loopback; the crash is played by sending the first request past linehouse.
 */
let stack: Stack;
let account: string;

beforeAll(async () => {
  stack = await startTestStack({}, { feedSandboxes: false });
  account = stack.sandbox!.accounts().find((a) => a.scenario === 'lostwebhook')!.id;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('a refresh response nobody waits for (dev server + chDB + sandbox)', () => {
  it('is found and loaded once when the next refresh of the account polls', async () => {
    const sandbox = stack.sandbox!;
    const { baseUrl, apiKey, policy } = stack.config.sharpsports;
    // The POST of the process that died: SharpSports refreshes the account; its webhook is dropped.
    const res = await fetch(`${baseUrl}/v1/bettorAccounts/${account}/refresh`, { method: 'POST', headers: { Authorization: `Token ${apiKey}` } });
    expect(res.status).toBe(200);
    await eventually('the first refresh to complete at SharpSports', async () => sandbox.refreshLog().some((e) => e.accountId === account && e.refreshResponseId));
    const orphan = sandbox.refreshLog().find((e) => e.accountId === account && e.refreshResponseId)!.refreshResponseId!;
    const orphanSlips = sandbox.slips(account).length;
    expect(orphanSlips).toBeGreaterThan(0);
    // Negative control: nothing reached the warehouse, and no workflow knows the request.
    expect(await count(stack, 'SELECT count() AS n FROM bet_slips WHERE bettor_account_id = {a:String}', { a: account })).toBe(0);

    await new Promise((r) => setTimeout(r, policy.minSpacingSeconds * 1000 + 200));
    const result = await refreshAccount(stack, account);
    expect(result.status).toBe(200);
    expect(result.refreshResponseId).not.toBe(orphan);
    // The run that polled for its own response loaded the orphan too, before it finished.
    expect(result.loaded.map((l) => l.refreshResponseId).sort()).toEqual([orphan, result.refreshResponseId].sort());

    const diff = await diffAccount(stack, account);
    expect(diff).toMatchObject({ missing: [], extra: [], stale: [] });
    expect(diff.warehouse).toBe(sandbox.slips(account).length);
    expect(await loadsPerResponse(stack, account)).toEqual({ [orphan]: 1, [result.refreshResponseId!]: 1 });
    expect(await count(stack, "SELECT count() AS n FROM refresh_runs FINAL WHERE refresh_response_id = {rr:String} AND origin = 'sharpsports'", { rr: orphan })).toBe(1);
  });
});
