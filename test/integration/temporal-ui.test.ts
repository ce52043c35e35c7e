import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../platform/paths';
import { type Stack } from '../../workers/stack';
import { createCadenceSchedule, createClvSchedule, scheduleId } from '../../workers/schedules';
import { backfillWorkflowId, type BetBackfillInput } from '../../workflows/backfill/messages';
import { bettorWorkflowId, accountWorkflowId } from '../../workflows/refresh/messages';
import { eventually, startTestStack } from '../support/stack';
import { feedWorkflowId } from '../../feeds/identity';
import { freePort } from '../../platform/net';

// The README's "Temporal UI" filters, typed into the dev server's own UI in headless Chromium.
const RESULTS = path.join(REPO_ROOT, 'test-results');
let stack: Stack;
let browser: Browser;
const ids: Record<string, string> = {};
let clvResult: { events: number; closes: number; resolved: number; pending: number };

beforeAll(async () => {
  stack = await startTestStack({ TEMPORAL_UI_PORT: String(await freePort()) }, { headlessTemporal: false });
  const sandbox = stack.sandbox!;
  const good = sandbox.bettors().find((b) => b.internalId === 'gooduser')!;
  const errorLogin = sandbox.accounts().find((a) => a.scenario === 'errorlogin')!;
  const [dk, fd] = good.accounts;
  Object.assign(ids, { good: good.id, dk, fd, errorLogin: errorLogin.id });
  const q = stack.run.taskQueue;
  const policy = stack.run.policy;
  await Promise.all(
    ['gooduser', errorLogin.internalId].map((bettor) =>
      stack.client.workflow.execute('bettorRefresh', {
        workflowId: bettorWorkflowId(bettor),
        taskQueue: q,
        args: [{ bettor, policy }],
      }),
    ),
  );
  const input: BetBackfillInput = {
    fromMs: Date.now() - 40 * 86_400_000,
    toMs: Date.now(),
    scope: { kind: 'bettor', id: good.id },
    windowHours: 24 * 10,
    pageSize: 50,
    concurrency: 2,
  };
  ids.backfill = backfillWorkflowId(input.scope, input.fromMs, input.toMs);
  await stack.client.workflow.execute('betBackfill', { workflowId: ids.backfill, taskQueue: q, args: [input] });
  await createCadenceSchedule(
    stack.client,
    {
      intervalSeconds: 3600,
      catchupWindowSeconds: 60,
      overlap: 'skip',
      fanOut: 4,
      pageSize: 20,
      policy,
      taskQueue: q,
      otpWaitSeconds: 1,
      paused: true,
    },
    true,
  );
  await stack.client.schedule.getHandle(scheduleId('cadence')).trigger();
  await eventually(
    'the triggered cadence pass',
    async () => (await stack.client.schedule.getHandle(scheduleId('cadence')).describe()).info.recentActions.length > 0,
    30_000,
  );
  ids.cadence = (
    await stack.client.schedule.getHandle(scheduleId('cadence')).describe()
  ).info.recentActions[0].action.workflow.workflowId;
  // The CLV upkeep schedule, triggered once: resolution and stored closes over the streamed ticks.
  await createClvSchedule(stack.client, { intervalSeconds: 3600, taskQueue: q, paused: true, graceSeconds: 0 }, true);
  const clv = stack.client.schedule.getHandle(scheduleId('clv'));
  await clv.trigger();
  await eventually('the triggered CLV pass', async () => (await clv.describe()).info.recentActions.length > 0, 30_000);
  ids.clv = (await clv.describe()).info.recentActions[0].action.workflow.workflowId;
  clvResult = await stack.client.workflow.getHandle(ids.clv).result();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/**
 * The list view's text once every expected id is in it. Visibility and the UI's own fetch can lag
 * a loaded machine, so the page is reloaded until they show (or 45 s pass and the test fails).
 */
async function listed(filter: string, expected: string[], shot?: string): Promise<string> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  try {
    await page.goto(`${stack.uiUrl}/namespaces/${stack.run.namespace}/workflows?query=${encodeURIComponent(filter)}`);
    let text = '';
    for (const deadline = Date.now() + 45_000; ;) {
      await page.waitForLoadState('networkidle');
      text = await page.locator('body').innerText();
      if (expected.every((id) => text.includes(id)) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 2000));
      await page.reload();
    }
    if (shot) {
      fs.mkdirSync(RESULTS, { recursive: true });
      await page.screenshot({ path: path.join(RESULTS, shot), fullPage: true });
    }
    return text;
  } finally {
    await page.close();
  }
}

describe('Temporal UI list view with the documented filters (headless Chromium)', () => {
  it('each filter lists exactly the workflows it names', async () => {
    const cases: Array<{ filter: string; has: string[]; not: string[]; shot?: string }> = [
      {
        filter: 'LinehouseKind = "refresh"',
        has: [accountWorkflowId(ids.dk), accountWorkflowId(ids.fd), accountWorkflowId(ids.errorLogin)],
        not: [ids.backfill, feedWorkflowId('opticodds')],
        shot: 'ui-kind-refresh.png',
      },
      {
        filter: 'LinehouseKind = "bettor-refresh"',
        has: [bettorWorkflowId('gooduser')],
        not: [accountWorkflowId(ids.dk)],
      },
      {
        filter: 'LinehouseKind = "backfill"',
        has: [ids.backfill],
        not: [accountWorkflowId(ids.dk)],
        shot: 'ui-kind-backfill.png',
      },
      { filter: 'LinehouseKind = "cadence"', has: [ids.cadence], not: [ids.backfill] },
      { filter: 'LinehouseKind = "clv"', has: [ids.clv], not: [ids.cadence] },
      {
        filter: 'LinehouseKind = "feed"',
        has: ['opticodds', 'boltodds', 'sharpapi'].map(feedWorkflowId),
        not: [ids.backfill],
      },
      {
        filter: `LinehouseBettor = "${ids.good}"`,
        has: [accountWorkflowId(ids.dk), accountWorkflowId(ids.fd), ids.backfill],
        not: [accountWorkflowId(ids.errorLogin)],
        shot: 'ui-bettor.png',
      },
      { filter: `LinehouseAccount = "${ids.dk}"`, has: [accountWorkflowId(ids.dk)], not: [accountWorkflowId(ids.fd)] },
      { filter: 'LinehouseBook = "dk"', has: [accountWorkflowId(ids.dk)], not: [accountWorkflowId(ids.fd)] },
      {
        filter: 'LinehouseStatus = 401',
        has: [accountWorkflowId(ids.errorLogin)],
        not: [accountWorkflowId(ids.dk)],
        shot: 'ui-status-401.png',
      },
      {
        filter: 'ExecutionStatus = "Running" AND LinehouseKind = "feed"',
        has: ['opticodds', 'boltodds', 'sharpapi'].map(feedWorkflowId),
        not: [accountWorkflowId(ids.dk)],
      },
    ];
    // The pass did real work: the streamed events have started (sandbox slates start within minutes) or are pending.
    expect(clvResult.events + clvResult.pending).toBeGreaterThan(0);
    for (const c of cases) {
      const text = await listed(c.filter, c.has, c.shot);
      for (const id of c.has) expect(text, `${c.filter} should list ${id}`).toContain(id);
      for (const id of c.not) expect(text, `${c.filter} should not list ${id}`).not.toContain(id);
    }
  }, 240_000);
});
