/**
 * A SharpSports bet slip as the reference shows one: a pending single on an NFL spread, with one
 * straight bet. Tests name what they vary; everything else is the same documented shape.
 */
export interface TestSlipOptions {
  id: string;
  account: string;
  /** The refresh response the slip came in. */
  rr: string;
  bettor?: string;
  bookName?: string;
  bookRef?: string;
  betId?: string;
  status?: string;
  outcome?: string | null;
  timePlaced?: string;
  event?: { id?: string; oddsjamId?: string; league?: string; name?: string; startTime?: string };
  position?: string;
  bookDescription?: string;
  marketSelection?: string | null;
}

export function testSlip(o: TestSlipOptions) {
  const status = o.status ?? 'pending';
  const outcome = o.outcome ?? null;
  return {
    id: o.id,
    bettor: o.bettor ?? 'BTTR_test',
    bettorAccount: o.account,
    book: { id: 'BOOK_dk', name: o.bookName ?? 'DraftKings', abbr: 'dk' },
    bookRef: o.bookRef ?? `ref-${o.id}`,
    timePlaced: o.timePlaced ?? '2026-11-20T17:00:00Z',
    type: 'single',
    subtype: null,
    oddsAmerican: -110,
    atRisk: 1100,
    toWin: 1000,
    status,
    outcome,
    refreshResponse: o.rr,
    incomplete: false,
    netProfit: outcome === 'win' ? 1000 : null,
    dateClosed: null,
    typeSpecial: null,
    adjusted: { odds: false, line: null, atRisk: null },
    bets: [
      {
        id: o.betId ?? `BET_${o.id}`,
        type: 'straight',
        event: {
          id: o.event?.id ?? 'EVNT_test',
          oddsjamId: o.event?.oddsjamId ?? '1-2-2026-11-21',
          league: o.event?.league ?? 'NFL',
          sport: 'Football',
          name: o.event?.name ?? 'A @ B',
          startTime: o.event?.startTime ?? '2026-11-21T18:00:00Z',
        },
        proposition: 'spread',
        segment: null,
        position: o.position ?? 'B',
        line: -3.5,
        oddsAmerican: -110,
        status,
        outcome,
        live: false,
        incomplete: false,
        bookDescription: o.bookDescription ?? 'x',
        marketSelection: o.marketSelection ?? null,
        propDetails: null,
      },
    ],
  };
}
