import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../workers/stack';
import { count, eventually, startTestStack } from '../support/stack';
import { PLAIN, diffAccount, loadsPerResponse, refreshAccount } from '../support/providers/sharpsports-stack';

/**
 * A refresh request that reached SharpSports from a process that died before recording the
 * answer: the retried request gets another requestId, and when the first response's webhook never
 * comes either, nothing waits for it. The crash test found this (11 slips of the lost-webhook
 * bettor missing after a kill mid-POST). Real stack: Temporal dev server, chDB, the SharpSports
 * sandbox over loopback, client timeout 1 s. The crash is played two ways: a first request sent
 * past linehouse, and a first request answered after the timeout (linehouse retries it) whose
 * every webhook delivery finds linehouse "down" (a proxy answers 503).
 */
let stack: Stack;
let account: string;

beforeAll(async () => {
  stack = await startTestStack({ SHARPSPORTS_TIMEOUT_SECONDS: '1' }, { feedSandboxes: false });
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
    const res = await fetch(`${baseUrl}/v1/bettorAccounts/${account}/refresh`, {
      method: 'POST',
      headers: { Authorization: `Token ${apiKey}` },
    });
    expect(res.status).toBe(200);
    await eventually('the first refresh to complete at SharpSports', async () =>
      sandbox.refreshLog().some((e) => e.accountId === account && e.refreshResponseId),
    );
    const orphan = sandbox.refreshLog().find((e) => e.accountId === account && e.refreshResponseId)!.refreshResponseId!;
    const orphanSlips = sandbox.slips(account).length;
    expect(orphanSlips).toBeGreaterThan(0);
    // Negative control: nothing reached the warehouse, and no workflow knows the request.
    expect(
      await count(stack, 'SELECT count() AS n FROM bet_slips WHERE bettor_account_id = {a:String}', { a: account }),
    ).toBe(0);

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
    expect(
      await count(
        stack,
        "SELECT count() AS n FROM refresh_runs FINAL WHERE refresh_response_id = {rr:String} AND origin = 'sharpsports'",
        { rr: orphan },
      ),
    ).toBe(1);
  });

  it('is collected before a retried POST when the first POST reached SharpSports and its webhook never got through', async () => {
    const sandbox = stack.sandbox!;
    const id = sandbox.accounts().find((a) => a.scenario === 'good')!.id;
    // The first POST is processed at once but answered after 2.5 s: past the 1 s timeout, so the activity retries it.
    sandbox.setScenario(id, { ...PLAIN, slowNextPosts: 1, slowResponseMs: 2500 });
    // Between SharpSports and linehouse: every delivery of the first response is refused (503),
    // as if linehouse were down for all of SharpSports' retries; the rest passes through.
    let first: string | null = null;
    const refused: string[] = [];
    const proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const data = JSON.parse(body.toString('utf8')).data ?? {};
        if (data.bettorAccount === id || data.bettorAccount?.id === id) first ??= data.id;
        if (data.id === first) {
          refused.push(data.id);
          res.writeHead(503).end();
          return;
        }
        const fwd = http.request(stack.webhookUrl, { method: 'POST', headers: req.headers }, (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        });
        fwd.on('error', () => res.writeHead(502).end());
        fwd.end(body);
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    sandbox.setWebhookUrl(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}/webhooks/sharpsports`);
    try {
      await new Promise((r) => setTimeout(r, stack.config.sharpsports.policy.minSpacingSeconds * 1000 + 200));
      const result = await refreshAccount(stack, id);
      expect(result.status).toBe(200);
      expect(first).not.toBeNull();
      expect(refused.length).toBeGreaterThan(0);
      // Two POSTs reached SharpSports; the run loaded both responses, the refused one included.
      expect(sandbox.refreshLog().filter((e) => e.accountId === id && e.refreshResponseId).length).toBe(2);
      expect(result.loaded.map((l) => l.refreshResponseId)).toContain(first);
      expect(await diffAccount(stack, id)).toMatchObject({ missing: [], extra: [], stale: [] });
      expect(Object.values(await loadsPerResponse(stack, id))).toEqual([1, 1]);
    } finally {
      sandbox.setWebhookUrl(stack.webhookUrl);
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });
});
