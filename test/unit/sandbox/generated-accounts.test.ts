import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SANDBOX_BETTORS,
  generatedAccountSpecs,
  startSharpSportsSandbox,
  type SharpSportsSandbox,
} from '../../../sandbox/sharpsports';

const API_KEY = 'gen-api-key';

describe('SharpSports sandbox: generated good accounts (generatedAccounts)', () => {
  let sb: SharpSportsSandbox;
  let catcher: http.Server;
  const hooks: Array<{ event: string; data: Record<string, any> }> = [];

  beforeAll(async () => {
    catcher = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        hooks.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => catcher.listen(0, '127.0.0.1', r));
    sb = await startSharpSportsSandbox({
      apiKey: API_KEY,
      webhookSecret: 's',
      generatedAccounts: 6,
      refreshLatencyMs: 0,
      initialSlipsPerAccount: 5,
      webhookUrl: `http://127.0.0.1:${(catcher.address() as AddressInfo).port}/hooks`,
    });
  });

  afterAll(async () => {
    await sb?.close();
    await new Promise<void>((r) => {
      catcher.closeAllConnections();
      catcher.close(() => r());
    });
  });

  it('names the accounts predictably, one bettor each, books in turn', () => {
    expect(generatedAccountSpecs(3)).toEqual([
      { internalId: 'genuser00001', abbr: 'dk', scenario: 'good' },
      { internalId: 'genuser00002', abbr: 'fd', scenario: 'good' },
      { internalId: 'genuser00003', abbr: 'mg', scenario: 'good' },
    ]);
    expect(generatedAccountSpecs(123456)[0].internalId).toBe('genuser000001');
    expect(generatedAccountSpecs(0)).toEqual([]);
  });

  it('adds them after the catalog bettors, as good accounts', () => {
    const generated = sb.accounts().filter((a) => a.internalId.startsWith('genuser'));
    expect(generated.map((a) => a.id)).toEqual([
      'BACT_genuser00001_dk',
      'BACT_genuser00002_fd',
      'BACT_genuser00003_mg',
      'BACT_genuser00004_ca',
      'BACT_genuser00005_dk',
      'BACT_genuser00006_fd',
    ]);
    expect(generated.every((a) => a.scenario === 'good')).toBe(true);
    expect(sb.bettors()).toHaveLength(SANDBOX_BETTORS.length + 6);
  });

  it('refreshes one like any good account: 200 webhook with its history slips', async () => {
    const res = await fetch(`${sb.url}/v1/bettorAccounts/BACT_genuser00004_ca/refresh`, {
      method: 'POST',
      headers: { Authorization: `Token ${API_KEY}` },
    });
    const body = (await res.json()) as { refresh: string[]; requestId: string };
    expect(body.refresh).toEqual(['BACT_genuser00004_ca']);
    const deadline = Date.now() + 5000;
    while (!hooks.some((h) => h.data.requestId === body.requestId) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    const hook = hooks.find((h) => h.data.requestId === body.requestId)!;
    expect(hook.event).toBe('refreshresponse.created');
    expect(hook.data).toMatchObject({
      status: 200,
      bettorAccount: 'BACT_genuser00004_ca',
      bettor: 'BTTR_genuser00004',
    });
    expect(hook.data.betSlips).toHaveLength(5);
    expect(sb.slips('BACT_genuser00004_ca')).toHaveLength(5);
  });
});
