import crypto from 'node:crypto';
import { startBoltOddsSandbox, type BoltOddsSandbox, type BoltOddsSandboxOptions } from '../sandbox/boltodds';
import { startOpticOddsSandbox, type OpticOddsSandbox, type OpticOddsSandboxOptions } from '../sandbox/opticodds';
import { startSharpApiSandbox, type SharpApiSandbox, type SharpApiSandboxOptions } from '../sandbox/sharpapi';
import { startSharpSportsSandbox, type SharpSportsSandbox } from '../sandbox/sharpsports';
import { Season, type SeasonOptions } from '../sandbox/season';
import type { Config, RefreshPolicy } from '../platform/config';
import { log } from '../platform/log';
export type { SharpSportsSandbox };

export interface FeedSandboxes {
  opticodds?: OpticOddsSandbox;
  boltodds?: BoltOddsSandbox;
  sharpapi?: SharpApiSandbox;
}

export interface SandboxOptions {
  /** The simulated odds feeds and their knobs (false: none). */
  feedSandboxes?:
    | false
    | {
        opticodds?: Partial<OpticOddsSandboxOptions> | false;
        boltodds?: Partial<BoltOddsSandboxOptions> | false;
        sharpapi?: Partial<SharpApiSandboxOptions> | false;
      };
  /** SharpSports sandbox knobs for tests and the demo. */
  sandboxOptions?: Partial<Parameters<typeof startSharpSportsSandbox>[0]>;
  /**
   * One compressed-time season behind all four simulators (sandbox/season.ts): the bettors' slips
   * are on its games and every feed quotes them, so bets meet closing lines. Options build one
   * starting now.
   */
  season?: Season | Partial<SeasonOptions>;
}

/** Sandbox time is compressed so every status path (429 back-off included) runs in seconds. */
export const SANDBOX_POLICY_OVERRIDES: Partial<RefreshPolicy> = {
  minSpacingSeconds: 3,
  webhookWaitSeconds: 8,
  pollIntervalSeconds: 2,
  maintenanceBackoffSeconds: 3,
  maintenanceDeadlineSeconds: 120,
};

/**
 * `up --sandbox`: starts the four provider simulators on loopback and points the config at
 * them (URLs, generated keys and webhook secret). Each registers its close in `cleanups`.
 */
export async function startSandboxes(
  config: Config,
  opts: SandboxOptions,
  cleanups: Array<() => Promise<void>>,
): Promise<{ sharpsports: SharpSportsSandbox; feeds: FeedSandboxes }> {
  const key = () => `sandbox-${crypto.randomBytes(8).toString('hex')}`;
  const apiKey = config.sharpsports.apiKey ?? key();
  const secret = config.webhook.secret ?? `sandbox-secret-${crypto.randomBytes(12).toString('hex')}`;
  config.sharpsports.apiKey = apiKey;
  config.webhook.secret = secret;
  config.sharpsports.policy = { ...config.sharpsports.policy, ...SANDBOX_POLICY_OVERRIDES };
  const season =
    opts.season instanceof Season
      ? opts.season
      : opts.season
        ? new Season({ baseTimeMs: Date.now(), ...opts.season })
        : undefined;
  if (season) {
    log.info('sandbox.season', {
      seed: season.seed,
      games: season.games.length,
      firstStart: new Date(season.firstStartMs).toISOString(),
      lastEnd: new Date(season.lastEndMs).toISOString(),
    });
  }
  const sharpsports = await startSharpSportsSandbox({
    port: 0,
    apiKey,
    webhookSecret: secret,
    rateLimitSeconds: config.sharpsports.policy.minSpacingSeconds,
    refreshLatencyMs: 300,
    delayedWebhookMs: 3000,
    ...opts.sandboxOptions,
    season,
  });
  cleanups.push(() => sharpsports.close());
  config.sharpsports.baseUrl = sharpsports.url;

  const feeds: FeedSandboxes = {};
  if (opts.feedSandboxes === false) return { sharpsports, feeds };
  const knobs = opts.feedSandboxes ?? {};
  if (knobs.opticodds !== false) {
    const feedKey = key();
    // One connection per sport group (four by default); production starts once all listen.
    const sb = (feeds.opticodds = await startOpticOddsSandbox({
      apiKey: feedKey,
      ratePerSecond: 20,
      startAfterConnections: 4,
      season,
      ...knobs.opticodds,
    }));
    cleanups.push(() => sb.close());
    config.feeds.opticodds = { ...config.feeds.opticodds, baseUrl: sb.url, apiKey: feedKey };
  }
  if (knobs.boltodds !== false) {
    const feedKey = key();
    const sb = (feeds.boltodds = await startBoltOddsSandbox({
      apiKey: feedKey,
      ratePerSecond: season ? 20 : 10,
      season,
      ...knobs.boltodds,
    }));
    cleanups.push(() => sb.close());
    config.feeds.boltodds = { ...config.feeds.boltodds, url: sb.url, apiKey: feedKey };
  }
  if (knobs.sharpapi !== false) {
    const feedKey = key();
    const sb = (feeds.sharpapi = await startSharpApiSandbox({
      apiKey: feedKey,
      changesPerSecond: 20,
      season,
      ...knobs.sharpapi,
    }));
    cleanups.push(() => sb.close());
    config.feeds.sharpapi = { pollIntervalMs: 1000, ...config.feeds.sharpapi, baseUrl: sb.url, apiKey: feedKey };
  }
  return { sharpsports, feeds };
}
