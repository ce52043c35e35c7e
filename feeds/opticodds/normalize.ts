// Normalization: market, book, selection and line of one OpticOdds odd.

const slug = (s: string): string => s.trim().toLowerCase().replace(/\s+/g, '_');

/**
 * Real streams carry `sportsbook`. The reference's copilot examples do not: their `id` is
 * "1:-1:<odd_id>" (the leading segments are not a book name; "-1" is `version_id`), so nothing
 * names a book and the row says 'unknown' rather than guess. An id in the
 * "<fixture_id>:<book>:<market>:<selection>" form names its book in the second segment.
 */
export function bookOf(odd: { id: string; fixture_id: string; sportsbook?: string | null }): string {
  if (odd.sportsbook && odd.sportsbook.trim()) return slug(odd.sportsbook);
  if (odd.id.startsWith(`${odd.fixture_id}:`)) {
    const seg = odd.id.slice(odd.fixture_id.length + 1).split(':')[0];
    if (seg && !/^-?\d+$/.test(seg)) return slug(seg);
  }
  return 'unknown';
}

function overUnder(odd: { selection_line?: string | null; name: string }): 'Over' | 'Under' | null {
  const raw = (odd.selection_line ?? '').toLowerCase() || (/\b(over|under)\b/i.exec(odd.name)?.[1] ?? '').toLowerCase();
  return raw === 'over' ? 'Over' : raw === 'under' ? 'Under' : null;
}

export function selectionOf(
  odd: { selection?: string | null; selection_line?: string | null; name: string },
  market: string,
): string {
  const ou = overUnder(odd);
  let who = (odd.selection ?? '').trim();
  if (ou) {
    // Settled odds have no `selection`: "Miami Heat Over 105.5" still names the team.
    if (!who) who = (/^(.*?)\b(?:over|under)\b/i.exec(odd.name)?.[1] ?? '').trim();
    return market === 'total' || !who ? ou : `${who} ${ou}`;
  }
  return who || odd.name;
}

/** Spread: signed for this selection; total: positive; moneyline: none. Settled odds lack `points`: read it off the name. */
export function lineOf(
  odd: { points?: number | null; selection_line?: string | null; name: string },
  market: string,
): number | null {
  if (market === 'moneyline') return null;
  let n: number | null = typeof odd.points === 'number' && Number.isFinite(odd.points) ? odd.points : null;
  if (n === null && (market === 'spread' || market === 'total' || overUnder(odd))) {
    const m = /([+-]?\d+(?:\.\d+)?)\s*$/.exec(odd.name);
    n = m ? Number(m[1]) : null;
  }
  if (n === null) return null;
  return market === 'total' ? Math.abs(n) : n;
}
