// Connection budget.
import { CONNECTIONS_PER_MINUTE } from './options';

/** Sliding-window budget of connection attempts (the reference allows 12 per minute per IP). */
export class ConnectionWindow {
  private attempts: number[] = [];
  private blockedUntil = 0;
  constructor(
    private readonly max = CONNECTIONS_PER_MINUTE,
    private readonly windowMs = 60_000,
    /** Our clock and the server's differ by the handshake time: stay a little inside the limit. */
    private readonly marginMs = 1_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds to wait before the next attempt is allowed (0: now). */
  delay(): number {
    const t = this.now();
    this.attempts = this.attempts.filter((a) => a > t - this.windowMs - this.marginMs);
    let wait = Math.max(0, this.blockedUntil - t);
    if (this.attempts.length >= this.max)
      wait = Math.max(wait, this.attempts[this.attempts.length - this.max] + this.windowMs + this.marginMs - t);
    return wait;
  }

  record(): void {
    this.attempts.push(this.now());
  }

  /** The server refused us anyway (HTTP 429): assume the whole window is spent. */
  block(): void {
    this.blockedUntil = this.now() + this.windowMs + this.marginMs;
  }

  inWindow(): number {
    const t = this.now();
    return this.attempts.filter((a) => a > t - this.windowMs).length;
  }
}
