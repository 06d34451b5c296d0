import type { SimulationSource } from './clock';

/**
 * The venue side of ccxt's `cancelAllOrdersAfter(timeout)` (a dead man's switch): each call
 * (re)arms a per-account deadline `timeout` ms of simulated time ahead, a timeout of 0 disarms
 * it, and when a deadline passes every open order of that account is canceled. Runs as one of
 * the venue's simulation sources, so it fires in simulated time order like any other event.
 */
export class DeadManTimers implements SimulationSource {
  private readonly deadlines = new Map<string, number>();

  constructor(private readonly cancelAll: (accountId: string) => void) {}

  /** Arms (timeout > 0) or disarms (0) the account's switch at `now`; the trigger time, or null when disarmed. */
  arm(accountId: string, timeoutMs: number, now: number): number | null {
    if (timeoutMs === 0) {
      this.deadlines.delete(accountId);
      return null;
    }
    const at = now + timeoutMs;
    this.deadlines.set(accountId, at);
    return at;
  }

  /** The account's trigger time, or null when its switch is not armed. */
  deadline(accountId: string): number | null {
    return this.deadlines.get(accountId) ?? null;
  }

  nextTime(): number | undefined {
    let next: number | undefined;
    for (const at of this.deadlines.values()) if (next === undefined || at < next) next = at;
    return next;
  }

  fire(now: number): void {
    for (const [accountId, at] of [...this.deadlines]) {
      if (at > now) continue;
      this.deadlines.delete(accountId);
      this.cancelAll(accountId);
    }
  }
}
