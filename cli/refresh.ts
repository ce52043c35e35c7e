import { parseArgs } from 'node:util';
import { loadConfig } from '../platform/config';
import { refreshStartAttributes } from '../platform/temporal/search-attributes';
import {
  accountWorkflowId,
  bettorWorkflowId,
  type AccountRefreshResult,
  type BettorRefreshResult,
} from '../workflows/refresh/messages';
import { clientFor } from './temporal-client';

export function summaryLine(r: AccountRefreshResult) {
  return {
    account: r.account,
    status: r.status,
    attempts: r.attempts,
    slips: r.slips,
    bets: r.bets,
    pages: r.pages,
    detail: r.detail,
    requestId: r.requestId,
    workflowId: r.workflowId,
  };
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      account: { type: 'string', multiple: true },
      bettor: { type: 'string', multiple: true },
      wait: { type: 'boolean', default: false },
    },
  });
  const accounts = values.account ?? [];
  const bettors = values.bettor ?? [];
  if (accounts.length + bettors.length === 0) {
    process.stderr.write('usage: linehouse refresh --account <BACT_…> | --bettor <BTTR_…|internalId> [--wait]\n');
    return 2;
  }
  const bad = accounts.find((a) => !/^BACT_[A-Za-z0-9_+/=-]+$/.test(a));
  if (bad) {
    process.stderr.write(`linehouse refresh: "${bad}" is not a bettorAccount id (BACT_…)\n`);
    return 2;
  }
  const config = loadConfig();
  const { client, taskQueue, policy } = await clientFor(config);
  try {
    const handles = [
      ...(
        await Promise.all(
          accounts.map((accountId) =>
            client.workflow.start('accountRefresh', {
              workflowId: accountWorkflowId(accountId),
              taskQueue,
              args: [{ accountId, mode: 'request', policy }],
              typedSearchAttributes: refreshStartAttributes(accountId),
              workflowIdConflictPolicy: 'USE_EXISTING',
            }),
          ),
        )
      ).map((h) => ({ kind: 'account' as const, h })),
      ...(
        await Promise.all(
          bettors.map((bettor) =>
            client.workflow.start('bettorRefresh', {
              workflowId: bettorWorkflowId(bettor),
              taskQueue,
              args: [{ bettor, policy }],
              workflowIdConflictPolicy: 'USE_EXISTING',
            }),
          ),
        )
      ).map((h) => ({ kind: 'bettor' as const, h })),
    ];
    if (!values.wait) {
      for (const { h } of handles)
        process.stdout.write(JSON.stringify({ workflowId: h.workflowId, started: true }) + '\n');
      return 0;
    }
    let failed = false;
    await Promise.all(
      handles.map(async ({ kind, h }) => {
        const result = await h.result();
        const lines = kind === 'account' ? [result as AccountRefreshResult] : (result as BettorRefreshResult).accounts;
        for (const r of lines) {
          if (r.status !== 200 && r.status !== 202) failed = true;
          process.stdout.write(JSON.stringify(summaryLine(r)) + '\n');
        }
      }),
    );
    return failed ? 3 : 0;
  } finally {
    await client.connection.close();
  }
}
