// Deterministic tick ids: a replayed change writes the same row. test/unit/feeds/id-functions.test.ts pins them.
import { createHash } from 'node:crypto';

export type BoltOddsTickFlag = 'price' | 'locked' | 'removed';

/**
 * tick_id = "bo_" + first 32 hex of sha256(JSON["boltodds", sportsbook, event_key, outcome key,
 * price_american|null, line|null, flag, provider timestamp]). The provider timestamp (as sent,
 * microseconds included) makes two moves of the same outcome distinct; replaying a message gives
 * the same id.
 */
export function boltOddsTickId(p: {
  sportsbook: string;
  eventKey: string;
  outcomeKey: string;
  price: number | null;
  line: number | null;
  flag: BoltOddsTickFlag;
  timestamp: string;
}): string {
  const h = createHash('sha256')
    .update(JSON.stringify(['boltodds', p.sportsbook, p.eventKey, p.outcomeKey, p.price, p.line, p.flag, p.timestamp]))
    .digest('hex');
  return `bo_${h.slice(0, 32)}`;
}
