// Protocol-faithful simulator of the SharpSports bet-sync API (see /work/shared/reference/sharpsports-*.txt).
import http from 'node:http';
import { listen } from '../../platform/net';
import { RefreshEngine } from './engine';
import { SandboxState, resolveOptions, sortSlips } from './state';
import type { ScenarioOverrides, SharpSportsSandbox, SharpSportsSandboxOptions } from './types';
import { Timers } from './util';
import { ThornSender } from './webhooks';
import { createHandler } from './server';

export type {
  BookJson,
  BookRegionJson,
  DeliveryRecord,
  RefreshLogEntry,
  RefreshType,
  SandboxAccountInfo,
  SandboxBet,
  SandboxBettorInfo,
  SandboxEvent,
  SandboxSlip,
  ScenarioOverrides,
  SharpSportsSandbox,
  SharpSportsSandboxOptions,
  TeamJson,
} from './types';
export {
  ACCOUNT_SPECS,
  BOOKS,
  SANDBOX_BETTORS,
  accountIdFor,
  bettorIdFor,
  generatedAccountSpecs,
  type ScenarioName,
} from './catalog';
export { OTP_OK, type RefreshPostResponse } from './engine';
export { WEBHOOK_SENDER, signThorn } from './webhooks';

export async function startSharpSportsSandbox(opts: SharpSportsSandboxOptions): Promise<SharpSportsSandbox> {
  const o = resolveOptions(opts);
  let webhookUrl = opts.webhookUrl;
  const timers = new Timers();
  const hooks = new ThornSender(o.webhookSecret, () => webhookUrl, timers);
  const st = new SandboxState(o, opts.season);
  const engine = new RefreshEngine(st, hooks, timers);
  const server = http.createServer(createHandler(st, engine));
  const port = await listen(server, o.port);
  const account = (id: string) => {
    const a = st.accounts.get(id);
    if (!a) throw new Error(`unknown bettorAccount ${id}`);
    return a;
  };
  let closed: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    setWebhookUrl(url: string) {
      webhookUrl = url;
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        timers.close();
        hooks.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
    slips(accountId?: string) {
      const all = [...st.slips.values()].filter((s) => !accountId || s.bettorAccount === accountId);
      return structuredClone(sortSlips(all));
    },
    bettors: () =>
      [...st.bettors.values()].map((b) => ({ id: b.id, internalId: b.internalId, accounts: [...b.accountIds] })),
    accounts: () =>
      [...st.accounts.values()].map((a) => ({
        id: a.id,
        bettorId: a.bettorId,
        internalId: a.internalId,
        bookAbbr: a.book.abbr,
        scenario: a.scenario,
      })),
    refreshLog: () => st.log.map((e) => ({ ...e })),
    deliveries: () => hooks.deliveries(),
    triggerRefresh: (accountId, type) => engine.trigger(accountId, type),
    gradePending: (accountId?: string) => {
      if (accountId) account(accountId);
      return engine.gradePending(accountId);
    },
    setScenario(accountId: string, scenario: Partial<ScenarioOverrides>) {
      st.applyOverrides(account(accountId), scenario);
    },
  };
}
