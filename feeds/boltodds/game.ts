// Game records: their key and metadata, and the tick one outcome change of a game becomes.
import type { BoltOddsGameData } from '../../schemas/boltodds';
import type { OddsTick } from '../../schemas/odds';
import { fromAmerican } from '../../odds/price';
import { boltOddsTickId, type BoltOddsTickFlag } from './ids';
import { canonicalMarket } from '../../odds/market';
import { normalizeTs, overUnder, parseGame, parseWhen, sportOf } from './parse';
import type { GameRec, OutcomeRec } from './state-schema';

export const gameKey = (book: string, eventKey: string) => `${book}\u0000${eventKey}`;

/** event_key = universal_id when the message carries one (get_games has it), else the `game` string. */
export function eventKeyOf(data: BoltOddsGameData): string {
  return data.universal_id || data.info?.universal_id || data.game;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

export function gameMeta(data: BoltOddsGameData, eventKey: string): Omit<GameRec, 'outcomes'> {
  const teams = parseGame(data.game);
  const id = data.info?.id;
  const when = data.info?.when;
  return {
    book: data.sportsbook,
    sport: data.sport,
    game: data.game,
    eventKey,
    providerEventId: id !== null && id !== undefined && String(id) !== '' ? String(id) : eventKey,
    home: text(data.home_team) || teams?.home || '',
    away: text(data.away_team) || teams?.away || '',
    start: parseWhen(typeof when === 'string' ? when : null),
  };
}

export function buildTick(
  g: GameRec,
  okey: string,
  rec: OutcomeRec,
  flag: BoltOddsTickFlag,
  timestamp: string,
  receivedAt: string,
): OddsTick {
  const market = canonicalMarket(rec.name);
  const ou = overUnder(rec.ou);
  const selection = ou ? (market === 'total' || !rec.target ? ou : `${rec.target} ${ou}`) : (rec.target ?? okey);
  const line = rec.line === null ? null : market === 'total' ? Math.abs(rec.line) : rec.line;
  const price = flag === 'price' ? rec.price : null;
  const ts = normalizeTs(timestamp);
  return {
    tick_id: boltOddsTickId({
      sportsbook: g.book,
      eventKey: g.eventKey,
      outcomeKey: okey,
      price,
      line: rec.line,
      flag,
      timestamp,
    }),
    source: 'boltodds',
    book: g.book,
    sport: sportOf(g.sport),
    league: g.sport,
    event_key: g.eventKey,
    provider_event_id: g.providerEventId,
    provider_odd_id: okey,
    home_team: g.home,
    away_team: g.away,
    start_time: g.start,
    market,
    market_raw: rec.name,
    selection,
    line,
    ...fromAmerican(price),
    is_main: null,
    is_live: g.start !== null && Date.parse(ts) >= Date.parse(g.start),
    locked: flag === 'locked',
    removed: flag === 'removed',
    ts,
    received_at: receivedAt,
  };
}
