// The demo's season phases: bettors' season slips land before the games, the games start and end
// on the compressed clock, then CLV is resolved and reported.
import fs from 'node:fs';
import path from 'node:path';
import { refreshClv } from '../clv';
import { log } from '../platform/log';
import { clvReport, renderHtml, renderTable, warehouseRunner } from '../clv/report';
import type { Stack } from '../workers/stack';
import { queryRows } from '../platform/warehouse/client';
import type { Season } from '../sandbox/season';
import { SEASON_SCENARIOS } from '../sandbox/sharpsports/season';

const say = (line = '') => process.stdout.write(line + '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const inS = (ms: number) => `${Math.max(0, Math.round((ms - Date.now()) / 1000))} s`;

const usedFile = (dataDir: string) => path.join(dataDir, 'run', 'season-games.json');

/** Game ids earlier demo runs on this data dir used (same teams on the same date = the same game id). */
export function usedGameIds(dataDir: string): string[] {
  try {
    return (JSON.parse(fs.readFileSync(usedFile(dataDir), 'utf8')) as { gameIds: string[] }).gameIds;
  } catch {
    return [];
  }
}

export function rememberGameIds(dataDir: string, season: Season): void {
  const cutoff = new Date(season.baseTimeMs - 2 * 86_400_000).toISOString().slice(0, 10);
  // Ids end with their date: older ones can no longer collide.
  const keep = usedGameIds(dataDir).filter((id) => id.slice(-10) >= cutoff);
  fs.mkdirSync(path.dirname(usedFile(dataDir)), { recursive: true });
  fs.writeFileSync(
    usedFile(dataDir),
    JSON.stringify({ gameIds: [...keep, ...season.games.map((g) => g.views.opticodds.gameId)] }),
  );
}

export function describeSeason(season: Season): void {
  const leagues = [...new Set(season.games.map((g) => g.league))].join(', ');
  const moved = season.games.find((g) => g.move);
  say(
    `season: ${season.games.length} games (${leagues}), first start in ${inS(season.firstStartMs)}, last final in ${inS(season.lastEndMs)}` +
      (moved
        ? `; ${moved.away.name} @ ${moved.home.name} will be pushed back ${(moved.move!.toMs - moved.move!.fromMs) / 1000} s`
        : ''),
  );
}

/** Accounts that bet the season get a cadence refresh (one linehouse did not start) once every slip is placed. */
export async function landSeasonSlips(stack: Stack, season: Season): Promise<void> {
  const sandbox = stack.sandbox!;
  const accounts = sandbox.accounts().filter((a) => SEASON_SCENARIOS.has(a.scenario));
  const plans = season.slips(accounts.map((a) => ({ id: a.id, abbr: a.bookAbbr })));
  const lastPlaced = Math.max(...plans.map((p) => p.placedAtMs));
  say(
    `bettors place ${plans.length} slips on season games (the last in ${inS(lastPlaced)}); a cadence refresh per account then carries them …`,
  );
  await sleep(Math.max(0, lastPlaced - Date.now() + 500));
  for (const a of accounts) {
    // An account still inside a refresh (or paused) gets its slips with the next one.
    await sandbox
      .triggerRefresh(a.id, 'cadence')
      .catch((err) => log.info('demo.cadence_skipped', { account: a.id, reason: (err as Error).message }));
  }
}

/** One line per change: how many games have started and how many are over, until the last is final. */
export async function watchGames(stack: Stack, season: Season): Promise<void> {
  const n = season.games.length;
  let shown = '';
  while (Date.now() < season.lastEndMs + 500) {
    const now = Date.now();
    const started = season.games.filter((g) => now >= g.startMs).length;
    const over = season.games.filter((g) => now >= g.endMs).length;
    const line = `  games ${started}/${n} started, ${over}/${n} final`;
    if (line !== shown) {
      const [row] = await queryRows<{ ticks: number }>(
        stack.clickhouse,
        'SELECT count() AS ticks FROM odds_ticks WHERE ts >= fromUnixTimestamp64Milli({t:Int64})',
        { t: season.baseTimeMs },
      );
      say(`${line}  (${row?.ticks ?? 0} odds ticks this run)`);
      shown = line;
    }
    await sleep(250);
  }
}

/** Resolve feed events to canonical games, store closes, print the per-bettor CLV table and write the HTML report. */
export async function reportClv(stack: Stack): Promise<string> {
  const { resolve, materialize } = await refreshClv(stack.clickhouse);
  say(
    `closing-line value: ${resolve.identity} OpticOdds events, ${resolve.resolved} BoltOdds/SharpAPI events resolved to them (${resolve.unmatched} unmatched, ${resolve.ambiguous} ambiguous); ` +
      `closes of ${materialize.events} events stored, ${materialize.pending} still read live (inside the grace period)`,
  );
  const [legs] = await queryRows<any>(
    stack.clickhouse,
    `SELECT countIf(ev_clv_sharp IS NOT NULL) AS priced, countIf(ev_clv_sharp > 0) AS beat, countIf(line_moved) AS moved,
    avgIf(price_clv_same_book, price_clv_same_book IS NOT NULL) AS avg_price FROM bet_clv WHERE row_kind = 'leg'`,
  );
  say(
    `  ${legs.priced} bet legs priced against the close: ${legs.beat} beat pinnacle's no-vig close, ${legs.moved} on a line that moved; ` +
      `mean price CLV vs the same book ${(Number(legs.avg_price) * 100).toFixed(2)}%`,
  );
  const report = await clvReport(warehouseRunner(stack.clickhouse), { sharpBook: 'pinnacle', devig: 'multiplicative' });
  for (const line of renderTable(report, 'bettor').trimEnd().split('\n')) say('  ' + line);
  const file = path.join(stack.config.dataDir, 'clv-report.html');
  fs.writeFileSync(file, renderHtml(report));
  say(`CLV report (HTML, charts): ${path.resolve(file)}`);
  return file;
}
