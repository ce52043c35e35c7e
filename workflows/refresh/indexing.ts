import { upsertMemo, upsertSearchAttributes, type WorkflowInfo } from '@temporalio/workflow';
import {
  SA_ACCOUNT,
  SA_BETTOR,
  SA_BOOK,
  SA_KIND,
  SA_PHASE,
  SA_STATUS,
} from '../../platform/temporal/search-attributes';
import type { AccountRefreshResult, RefreshPhase } from './messages';

/**
 * What an account refresh shows an operator: its search attributes (the Temporal UI's filters)
 * and its memo. Every upsert is an event and a visibility write, so values wait here and go out
 * as one upsert when the run waits or ends, and only the ones that changed. Imported by the
 * workflow: deterministic, no Node built-ins, no I/O.
 */

/** The search attributes a refresh sets, by the names it notes them under. */
const SEARCH_ATTRIBUTES = {
  kind: SA_KIND,
  account: SA_ACCOUNT,
  bettor: SA_BETTOR,
  book: SA_BOOK,
  phase: SA_PHASE,
  status: SA_STATUS,
} as const;
export type Indexed = Partial<Record<keyof typeof SEARCH_ATTRIBUTES, string | number>>;

/** Phases an operator filters on: the waits. The sub-second ones are in the progress query only. */
export const WAITING_PHASES: ReadonlySet<RefreshPhase> = new Set<RefreshPhase>([
  'spacing',
  'awaiting-webhook',
  'polling',
  'awaiting-otp',
  'paging',
  'backoff-429',
  'backoff-424',
  'backoff-500',
  'loading-other',
]);

export class RefreshIndex {
  /** Where the run is, for the progress query (every phase) and the index (the waiting ones). */
  phase: RefreshPhase = 'starting';
  private indexed: Indexed = {};
  private pending: Indexed = {};

  /** `started`: what the starter set (refreshStartAttributes), which is not upserted again. */
  constructor(started: WorkflowInfo['typedSearchAttributes']) {
    for (const [name, key] of Object.entries(SEARCH_ATTRIBUTES)) {
      const value = started.get(key);
      if (value !== undefined) this.indexed[name as keyof Indexed] = value as string | number;
    }
  }

  /** Notes the values that differ from what is indexed; they go out with the next flush. */
  note(values: Indexed): void {
    const changed = Object.entries(values).filter(([k, v]) => this.indexed[k as keyof Indexed] !== v);
    if (changed.length === 0) return;
    Object.assign(this.indexed, Object.fromEntries(changed));
    Object.assign(this.pending, Object.fromEntries(changed));
  }

  /** One upsert of everything noted since the last flush; none when nothing changed. */
  flush(): void {
    const entries = Object.entries(this.pending);
    this.pending = {};
    if (entries.length === 0) return;
    upsertSearchAttributes(
      entries.map(([k, v]) => ({ key: SEARCH_ATTRIBUTES[k as keyof Indexed], value: v })) as Parameters<
        typeof upsertSearchAttributes
      >[0],
    );
  }

  /** A waiting phase is indexed at once (with whatever was noted before it); the others are not. */
  setPhase(p: RefreshPhase): void {
    this.phase = p;
    if (!WAITING_PHASES.has(p)) return;
    this.note({ phase: p });
    this.flush();
  }

  /** The run's last upsert: phase done and the final status. */
  done(status: number | null): void {
    this.phase = 'done';
    this.note({ phase: 'done', ...(status !== null ? { status } : {}) });
    this.flush();
  }
}

/** The memo while the run waits for a response: which request, which attempt. */
export const showRequest = (requestId: string, attempts: number) => upsertMemo({ requestId, attempts });

/** The memo at the end: the run's outcome in one upsert. */
export const showResult = (r: AccountRefreshResult) =>
  upsertMemo({
    requestId: r.requestId,
    slips: r.slips,
    bets: r.bets,
    pages: r.pages,
    attempts: r.attempts,
    status: r.status,
    detail: r.detail,
  });
