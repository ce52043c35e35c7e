// Rate-limit pacing.
import type { RateLimitHeaders } from '../../schemas/sharpapi';

/** Below this share of the window's budget, requests are spread over the time left until reset. */
const LOW_BUDGET_SHARE = 0.25;
/** X-RateLimit-Reset has 1 s resolution: wait a little past it. */
export const RESET_MARGIN_MS = 100;

export class RatePacer {
  private last: (RateLimitHeaders & { at: number }) | null = null;

  observe(h: RateLimitHeaders, at: number): void {
    if (h.remaining !== null && h.resetAtMs !== null) this.last = { ...h, at };
  }

  /** Earliest time the next request may go out, and why; null when the budget does not constrain us. */
  nextAllowedAt(): { at: number; reason: 'rate_limit_exhausted' | 'rate_limit_low' } | null {
    const h = this.last;
    if (!h || h.remaining === null || h.resetAtMs === null || h.resetAtMs <= h.at) return null;
    if (h.remaining <= 0) return { at: h.resetAtMs + RESET_MARGIN_MS, reason: 'rate_limit_exhausted' };
    const low = Math.max(1, Math.ceil((h.limit ?? h.remaining) * LOW_BUDGET_SHARE));
    if (h.remaining > low) return null;
    return {
      at: h.at + Math.ceil((h.resetAtMs + RESET_MARGIN_MS - h.at) / (h.remaining + 1)),
      reason: 'rate_limit_low',
    };
  }
}
